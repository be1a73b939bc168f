export {
  renderRagPrompt,
  extractCitations,
  isAbstention,
  hitsToBlocks,
  RAG_SYSTEM_PROMPT,
  RAG_TEMPLATE_ID,
  type PromptMessage,
  type PromptRender,
} from './rag.js';
