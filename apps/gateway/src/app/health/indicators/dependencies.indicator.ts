import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AgentEngine } from '@agent-gateway/agent-engine';
import { TranscriptStore } from '@agent-gateway/chat-workflow';
import { PayloadSerializer } from '@agent-gateway/serialization';

/** The in-process dependencies: worker threads, the transcript directory, and circuits. */
@Injectable()
export class DependenciesIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly serializer: PayloadSerializer,
    private readonly transcripts: TranscriptStore,
    private readonly engine: AgentEngine,
  ) {}

  serializationWorkers(): HealthIndicatorResult {
    const session = this.indicator.check('serializationWorkers');
    return this.serializer.isHealthy()
      ? session.up()
      : session.down({
          message: 'no serialization worker can take a task; large payloads would be truncated',
        });
  }

  async dataDir(): Promise<HealthIndicatorResult> {
    const session = this.indicator.check('dataDir');
    try {
      await this.transcripts.checkWritable();
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  /**
   * Open circuits are reported, not failed on: an agent failing fast is the gateway working as
   * designed, and taking every instance out of rotation for it would make things worse.
   */
  circuits(): HealthIndicatorResult {
    return this.indicator.check('circuits').up({ open: this.engine.openCircuits() });
  }
}
