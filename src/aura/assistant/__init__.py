"""The wardrobe-aware assistant: LLM back-ends, prompts, retrieval re-ranking, conversation
memory, the guidance corpus and the fine-tuning recipe. Plain Python, no HTTP.

Nothing here imports torch or llama.cpp at module level: the back-ends import them when a
start-up phase loads one, so ``import aura.assistant`` stays cheap for every other command.
"""
