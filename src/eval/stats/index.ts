// Image statistics and sample diversity as pure functions — the numbers a hacking monitor watches (DESIGN §3).
export {
  DEFAULT_IMAGE_STATISTICS_OPTIONS,
  IMAGE_STATISTIC_NAMES,
  colourEntropy,
  darkPixelFraction,
  edgeDensity,
  imageStatistics,
  luminance,
  meanBrightness,
  meanImageStatistics,
  meanSaturation,
  type ImageStatistics,
  type ImageStatisticsOptions,
} from './image-statistics.js';
export {
  DEFAULT_DIVERSITY_POOL,
  meanPairwiseDistance,
  pooledFeature,
  promptDiversity,
  rmsDistance,
  type DiversityResult,
} from './diversity.js';
export { imageStatisticsOfTensor, tensorDiversity } from './tensor.js';
