// A closed-world word vocabulary: the tokenizer of every Refract testbed. Each testbed's prompts come from a small
// grammar, so whole words are the tokens and an unknown word is a bug, not a rare token (no subword model needed).
// Ids are indices into the word list, with 0 = pad and 1 = unknown; append new words at the end, since trained
// checkpoints embed the ids. The Shapes tokenizer (shapes/vocab.ts) is this scheme with the Shapes word list.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { quoteValue } from '../config/errors.js';

export const PAD_WORD = '<pad>';
export const UNK_WORD = '<unk>';

export class WordVocabulary {
  readonly #ids: ReadonlyMap<string, number>;

  /**
   * @param name   testbed name, used in error messages
   * @param words  the full list, starting with '<pad>', '<unk>'
   * @param maxTokens  the longest prompt, in words (the token tensors' width L)
   */
  constructor(
    readonly name: string,
    readonly words: readonly string[],
    readonly maxTokens: number,
  ) {
    if (words[0] !== PAD_WORD || words[1] !== UNK_WORD) {
      throw new Error(
        `refract vocabulary ${name}: words must start with '${PAD_WORD}', '${UNK_WORD}', got ${JSON.stringify(words.slice(0, 2))}`,
      );
    }
    if (new Set(words).size !== words.length) throw new Error(`refract vocabulary ${name}: words must be distinct`);
    this.#ids = new Map(words.map((w, i) => [w, i]));
  }

  /** Number of ids: the PromptEncoder's vocabSize must be at least this. */
  get size(): number {
    return this.words.length;
  }

  /** Lower-cased words of a prompt (whitespace-separated; the grammars emit no punctuation). */
  split(text: string): string[] {
    return text
      .trim()
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w.length > 0);
  }

  /** Words of `text` that are not in the vocabulary. */
  unknownWords(text: string): string[] {
    return this.split(text).filter((w) => !this.#ids.has(w));
  }

  /** Ids of one prompt, right-padded with 0 to maxTokens; unknown words throw (every grammar prompt is known). */
  tokenize(text: string): Int32Array {
    const ws = this.split(text);
    if (ws.length > this.maxTokens) {
      throw new Error(
        `refract tokenize (${this.name}): prompt must have at most ${this.maxTokens} words, got ${ws.length} (${quoteValue(text)}) — shorten it`,
      );
    }
    const ids = new Int32Array(this.maxTokens);
    ws.forEach((w, i) => {
      const id = this.#ids.get(w);
      if (id === undefined) {
        throw new Error(
          `refract tokenize (${this.name}): every word must be in the ${this.name} vocabulary, got ${quoteValue(w, 40)} in ${quoteValue(text)} — ` +
            `known words: ${this.words.slice(2).join(' ')}`,
        );
      }
      ids[i] = id;
    });
    return ids;
  }

  /** Prompts → int64 [B, maxTokens]; the empty prompt '' is the null (all-pad) prompt of CFG. */
  tokenizeBatch(prompts: readonly string[]): Tensor {
    const L = this.maxTokens;
    const ids = new Int32Array(prompts.length * L);
    prompts.forEach((p, i) => ids.set(this.tokenize(p), i * L));
    return torch.scope(() => torch.fromTypedArray(ids, [prompts.length, L]).long());
  }

  /** Inverse of tokenize (padding dropped); for logs and tests. */
  detokenize(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) out.push(this.words[ids[i]!] ?? UNK_WORD);
    return out.join(' ');
  }
}

/** Replaces each prompt by the null prompt '' with probability p (Ho & Salimans, arXiv 2207.12598, §3.2). */
export function dropPrompts(prompts: readonly string[], p: number, uniform: () => number): string[] {
  return prompts.map((t) => (uniform() < p ? '' : t));
}
