export * from './lib/agent-gateway-client';
export * from './lib/gateway-request-error';
