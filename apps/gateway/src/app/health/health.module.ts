import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { DependenciesIndicator } from './indicators/dependencies.indicator';
import { EventLoopIndicator } from './indicators/event-loop.indicator';
import { RedisIndicator } from './indicators/redis.indicator';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [EventLoopIndicator, RedisIndicator, DependenciesIndicator],
})
export class HealthModule {}
