/**
 * Measures a classifier on a labelled set (the held-out test split): overall accuracy, per-class accuracy and the
 * confusion matrix. Per-class numbers matter for a reward: a classifier that is 95% right overall but 70% on
 * "Shirt" gives the Shirt prompt a noisy signal, and the report should say so.
 */
import { batchIndices, makeBatch, type LabeledImages } from '../../data/labeled-images.js';
import type { ImageClassifier } from './classifier.js';

export interface AccuracyReport {
  dataset: string;
  count: number;
  accuracy: number;
  /** Accuracy on the images of each true class. */
  perClass: number[];
  /** confusion[true][predicted] = count. */
  confusion: number[][];
}

/** Classifies every image of `ds` (batches of `batchSize`) and compares with its label. */
export function measureAccuracy(classifier: ImageClassifier, ds: LabeledImages, batchSize = 500): AccuracyReport {
  const k = ds.classNames.length;
  if (k !== classifier.numClasses) {
    throw new Error(
      `refract classifier: ${ds.name} must have the classifier's ${classifier.numClasses} classes, got ${k} — ` +
        'evaluate on the dataset the classifier was trained for',
    );
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (const idx of batchIndices(ds.count, batchSize)) {
    const { images, labels } = makeBatch(ds, idx, { size: 32, fit: 'pad' });
    labels.dispose();
    const { labels: predicted } = classifier.classify(images);
    images.dispose();
    for (let j = 0; j < idx.length; j++) {
      const truth = ds.labels[idx[j]];
      confusion[truth][predicted[j]]++;
      if (truth === predicted[j]) correct++;
    }
  }
  const perClass = confusion.map((row, c) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? NaN : row[c] / n;
  });
  return {
    dataset: ds.name,
    count: ds.count,
    accuracy: ds.count === 0 ? NaN : correct / ds.count,
    perClass,
    confusion,
  };
}
