import { Injectable } from '@nestjs/common';
import type { AgentDefinition, AgentRunContext } from '../../contracts/agent-definition';
import type { ToolCallResult } from '../../contracts/tool-definition';
import { findArithmetic } from './find-arithmetic';

const TIME_QUESTION = /\b(time|date|clock|today|day is it)\b/i;

/**
 * The default agent: deterministic and offline. It recognises arithmetic and questions about
 * the time, answers them through its tools, and otherwise says what it can do.
 */
@Injectable()
export class AssistantAgent implements AgentDefinition {
  readonly name = 'assistant';

  async run(context: AgentRunContext): Promise<string> {
    await context.emit('agent_thinking', { text: 'Reading the question.' });
    const answers: string[] = [];

    const expression = findArithmetic(context.input);
    if (expression !== undefined) {
      await context.emit('agent_thinking', {
        text: `This is arithmetic: ${expression}. Using the calculator.`,
      });
      const result = await context.callTool('calculator', { expression });
      answers.push(
        result.ok
          ? `${expression} = ${valueOf(result)}`
          : `I could not calculate ${expression}: ${result.error}`,
      );
    }

    if (TIME_QUESTION.test(context.input)) {
      await context.emit('agent_thinking', { text: 'This asks about the time. Using the clock.' });
      const result = await context.callTool('clock', {});
      answers.push(
        result.ok
          ? `It is ${(result.result as { local: string }).local}.`
          : `I could not read the clock: ${result.error}`,
      );
    }

    if (answers.length === 0) {
      await context.emit('agent_thinking', { text: 'Nothing here for my tools.' });
      return (
        'I am the built-in assistant and work without a language model: I can calculate ' +
        '(try "what is 2+3*4") and tell the time (try "what time is it?").'
      );
    }
    return answers.join(' ');
  }
}

function valueOf(result: Extract<ToolCallResult, { ok: true }>): string {
  return String((result.result as { value: number }).value);
}
