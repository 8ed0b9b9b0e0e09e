import { fail, ok, type EmulatorContext, type MethodSpec } from '../context.js';
import { isObject, nonEmptyString, type JsonObject } from '../json.js';
import type { FunctionExecution } from '../types.js';

/**
 * functions.completeSuccess / functions.completeError (docs.slack.dev/reference/methods/functions.*):
 * `function_execution_id` names a running step; a finished one answers `execution_not_in_running_state`,
 * an unknown one `function_execution_not_found`, and success outputs missing a required output parameter
 * `parameter_validation_failed`, the error codes Slack documents for these methods.
 */
function runningExecution(args: JsonObject, ctx: EmulatorContext): FunctionExecution | JsonObject {
  const id = nonEmptyString(args.function_execution_id);
  if (id === undefined) return fail('invalid_arguments', ['[ERROR] missing required field: function_execution_id']);
  const execution = ctx.store.functionExecutions.get(id);
  if (execution === undefined) return fail('function_execution_not_found');
  if (execution.state !== 'running') return fail('execution_not_in_running_state');
  return execution;
}

function isExecution(value: FunctionExecution | JsonObject): value is FunctionExecution {
  return typeof value.state === 'string' && typeof value.token === 'string';
}

const completeSuccess: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const execution = runningExecution(args, ctx);
    if (!isExecution(execution)) return execution;
    const outputs = args.outputs;
    if (!isObject(outputs) || Array.isArray(outputs)) return fail('invalid_arguments', ['[ERROR] outputs must be an object']);
    const missing = execution.outputParameters.filter((p) => p.is_required === true && !(p.name in outputs)).map((p) => p.name);
    if (missing.length > 0)
      return fail(
        'parameter_validation_failed',
        missing.map((name) => `[ERROR] missing required output: ${name}`),
      );
    execution.state = 'completed';
    execution.outputs = outputs;
    return ok();
  },
};

const completeError: MethodSpec = {
  token: 'bot',
  handle(args, ctx) {
    const execution = runningExecution(args, ctx);
    if (!isExecution(execution)) return execution;
    const error = nonEmptyString(args.error);
    if (error === undefined) return fail('invalid_arguments', ['[ERROR] missing required field: error']);
    execution.state = 'failed';
    execution.error = error;
    return ok();
  },
};

export const functionMethods: Record<string, MethodSpec> = {
  'functions.completeSuccess': completeSuccess,
  'functions.completeError': completeError,
};
