export { createExportJobs, type ExportJobs, type ExportJobsOptions } from './runner';
export {
  FFMPEG_INSTALL_HINT,
  FfmpegNotFoundError,
  parseBannerDuration,
  probeDuration,
  progressPercent,
  resolveFfmpeg,
  type FfmpegSource,
  type FfmpegTools,
} from './ffmpeg';
