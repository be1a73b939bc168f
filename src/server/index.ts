export { createServerApp, startServer, type RunningServer } from './app.js';
export { RAG_MODEL } from './openai.js';
