/**
 * The export preset catalog: what an export produces and how FFmpeg makes it. The API validates
 * enqueued exports against it and records Platform/Resolution/Codec from it; the worker builds
 * the FFmpeg command line with `ffmpegArgs`.
 */

export type ExportPresetKind = 'video' | 'audio' | 'gif';

export interface ExportPreset {
  /** Stable id, stored in ExportHistory.PresetName. */
  name: string;
  label: string;
  /** Where the result is meant to be published (ExportHistory.Platform). */
  platform: string;
  kind: ExportPresetKind;
  /** Output frame size; a null height keeps the source aspect ratio. Null for audio. */
  width: number | null;
  height: number | null;
  /** ExportHistory.Resolution: "1920x1080", "480xauto", or null for audio. */
  resolution: string | null;
  /** Output frame rate; null keeps the source's. */
  fps: number | null;
  videoCodec: 'h264' | 'gif' | null;
  audioCodec: 'aac' | 'mp3' | null;
  /** ExportHistory.Codec: "h264/aac", "aac", "mp3", "gif". */
  codec: string;
  container: 'mp4' | 'm4a' | 'mp3' | 'gif';
  /** The output file's extension, with its dot. */
  extension: string;
  videoBitrateKbps: number | null;
  audioBitrateKbps: number | null;
  /** Output is cut after this many seconds (previews); null: the whole input. */
  maxDurationSeconds: number | null;
}

function h264(
  preset: Pick<ExportPreset, 'name' | 'label' | 'platform' | 'width' | 'height'> & {
    videoKbps: number;
    audioKbps: number;
  },
): ExportPreset {
  return {
    name: preset.name,
    label: preset.label,
    platform: preset.platform,
    kind: 'video',
    width: preset.width,
    height: preset.height,
    resolution: `${preset.width}x${preset.height}`,
    fps: null,
    videoCodec: 'h264',
    audioCodec: 'aac',
    codec: 'h264/aac',
    container: 'mp4',
    extension: '.mp4',
    videoBitrateKbps: preset.videoKbps,
    audioBitrateKbps: preset.audioKbps,
    maxDurationSeconds: null,
  };
}

export const EXPORT_PRESETS: readonly ExportPreset[] = Object.freeze([
  h264({
    name: 'youtube-1080p',
    label: 'YouTube 1080p',
    platform: 'YouTube',
    width: 1920,
    height: 1080,
    videoKbps: 8000,
    audioKbps: 192,
  }),
  h264({
    name: 'youtube-720p',
    label: 'YouTube 720p',
    platform: 'YouTube',
    width: 1280,
    height: 720,
    videoKbps: 5000,
    audioKbps: 128,
  }),
  h264({
    name: 'vertical-1080x1920',
    label: 'Vertical 1080×1920 (Shorts, TikTok, Reels)',
    platform: 'YouTube Shorts / TikTok / Instagram Reels',
    width: 1080,
    height: 1920,
    videoKbps: 6000,
    audioKbps: 128,
  }),
  h264({
    name: 'instagram-square',
    label: 'Instagram square 1080×1080',
    platform: 'Instagram',
    width: 1080,
    height: 1080,
    videoKbps: 3500,
    audioKbps: 128,
  }),
  {
    name: 'audio-only',
    label: 'Audio only (AAC)',
    platform: 'Podcast',
    kind: 'audio',
    width: null,
    height: null,
    resolution: null,
    fps: null,
    videoCodec: null,
    audioCodec: 'aac',
    codec: 'aac',
    container: 'm4a',
    extension: '.m4a',
    videoBitrateKbps: null,
    audioBitrateKbps: 192,
    maxDurationSeconds: null,
  },
  {
    name: 'audio-mp3',
    label: 'Audio only (MP3)',
    platform: 'Podcast',
    kind: 'audio',
    width: null,
    height: null,
    resolution: null,
    fps: null,
    videoCodec: null,
    audioCodec: 'mp3',
    codec: 'mp3',
    container: 'mp3',
    extension: '.mp3',
    videoBitrateKbps: null,
    audioBitrateKbps: 192,
    maxDurationSeconds: null,
  },
  {
    name: 'gif-preview',
    label: 'GIF preview (480px, 10 fps, 6 s)',
    platform: 'Web preview',
    kind: 'gif',
    width: 480,
    height: null,
    resolution: '480xauto',
    fps: 10,
    videoCodec: 'gif',
    audioCodec: null,
    codec: 'gif',
    container: 'gif',
    extension: '.gif',
    videoBitrateKbps: null,
    audioBitrateKbps: null,
    maxDurationSeconds: 6,
  },
] satisfies ExportPreset[]);

export const EXPORT_PRESET_NAMES = EXPORT_PRESETS.map((preset) => preset.name) as [
  string,
  ...string[],
];

/** The preset of that name, or undefined. */
export function getExportPreset(name: string): ExportPreset | undefined {
  return EXPORT_PRESETS.find((preset) => preset.name === name);
}

/**
 * FFmpeg arguments (without the executable) turning `input` into `output` with `preset`. `-n`:
 * never overwrite an existing file. Fixed-size video presets scale to fit and pad (letterbox) so
 * any source aspect ratio gives the exact frame size. The worker may add global options (such
 * as `-progress pipe:1`) in front.
 */
export function ffmpegArgs(preset: ExportPreset, input: string, output: string): string[] {
  const args = ['-hide_banner', '-nostdin', '-n', '-i', input];
  if (preset.maxDurationSeconds !== null) args.push('-t', String(preset.maxDurationSeconds));
  switch (preset.kind) {
    case 'video': {
      const { width: w, height: h } = preset;
      const filters = [
        `scale=${w}:${h}:force_original_aspect_ratio=decrease`,
        `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`,
        'setsar=1',
      ];
      if (preset.fps !== null) filters.push(`fps=${preset.fps}`);
      const kbps = preset.videoBitrateKbps ?? 0;
      args.push(
        '-vf',
        filters.join(','),
        '-c:v',
        'libx264',
        '-preset',
        'medium',
        '-profile:v',
        'high',
        '-pix_fmt',
        'yuv420p',
        '-b:v',
        `${kbps}k`,
        '-maxrate',
        `${Math.round(kbps * 1.5)}k`,
        '-bufsize',
        `${kbps * 2}k`,
        '-c:a',
        'aac',
        '-b:a',
        `${preset.audioBitrateKbps ?? 128}k`,
        '-ar',
        '48000',
        '-movflags',
        '+faststart',
      );
      break;
    }
    case 'audio':
      args.push(
        '-vn',
        '-c:a',
        preset.audioCodec === 'mp3' ? 'libmp3lame' : 'aac',
        '-b:a',
        `${preset.audioBitrateKbps ?? 192}k`,
        '-ar',
        '48000',
      );
      if (preset.container === 'm4a') args.push('-movflags', '+faststart');
      break;
    case 'gif':
      args.push(
        '-an',
        '-vf',
        `fps=${preset.fps ?? 10},scale=${preset.width ?? 480}:-2:flags=lanczos,split[a][b];[a]palettegen[p];[b][p]paletteuse`,
        '-loop',
        '0',
      );
      break;
  }
  args.push(output);
  return args;
}
