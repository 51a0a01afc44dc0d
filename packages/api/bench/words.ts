import { int, mulberry32, pick, type Rng } from './random';

/** Word lists for titles, descriptions and narration of generated video projects. */

export const TOPICS = [
  'Coral Reefs',
  'Deep Space',
  'Ancient Rome',
  'Quantum Computing',
  'Sourdough Baking',
  'Urban Gardening',
  'Electric Cars',
  'Mountain Hiking',
  'Jazz History',
  'Machine Learning',
  'Home Workouts',
  'Volcanoes',
  'Honeybees',
  'Solar Power',
  'Street Photography',
  'The Silk Road',
  'Rainforests',
  'Chess Openings',
  'Minimalist Living',
  'Renaissance Art',
  'Ocean Currents',
  'Coffee Roasting',
  'Black Holes',
  'Language Learning',
  'Wildlife Rescue',
  'Cloud Security',
  'Mindful Breathing',
  'Arctic Exploration',
  'Bread Science',
  'Vintage Cameras',
  'Tiny Houses',
  'Startup Finance',
  'Bird Migration',
  'Ceramics',
  'Desert Ecology',
  'Typography',
  'Marathon Training',
  'Fermentation',
  'Medieval Castles',
  'Robotics',
] as const;

const TITLE_PATTERNS = [
  (t: string) => `The Hidden World of ${t}`,
  (t: string) => `${t} Explained`,
  (t: string) => `A Beginner's Guide to ${t}`,
  (t: string) => `${t}: 5 Things You Didn't Know`,
  (t: string) => `Why ${t} Matter More Than Ever`,
  (t: string) => `${t} in 60 Seconds`,
  (t: string) => `The Future of ${t}`,
  (t: string) => `How ${t} Changed Everything`,
  (t: string) => `${t} — Weekly Recap`,
  (t: string) => `Inside ${t}`,
  (t: string) => `${t} for Kids`,
  (t: string) => `Mastering ${t}`,
] as const;

const NOUNS = [
  'story',
  'journey',
  'process',
  'system',
  'community',
  'landscape',
  'history',
  'science',
  'technique',
  'challenge',
  'idea',
  'discovery',
  'pattern',
  'experiment',
  'tradition',
  'craft',
  'network',
  'balance',
  'season',
  'energy',
  'signal',
  'habit',
  'method',
  'surface',
  'question',
];
const ADJECTIVES = [
  'remarkable',
  'quiet',
  'complex',
  'surprising',
  'ancient',
  'modern',
  'fragile',
  'powerful',
  'simple',
  'curious',
  'vivid',
  'hidden',
  'global',
  'local',
  'careful',
  'bold',
  'gentle',
  'rapid',
];
const VERBS = [
  'shapes',
  'reveals',
  'connects',
  'transforms',
  'explains',
  'challenges',
  'supports',
  'follows',
  'creates',
  'protects',
  'measures',
  'changes',
  'drives',
  'inspires',
  'balances',
  'tracks',
];
const OPENERS = [
  'Imagine',
  'Today we look at how',
  'Few people realise that',
  'Here is why',
  'Consider how',
  'It turns out that',
  'For centuries',
  'In this scene',
  'Next,',
  'Finally,',
  'Notice how',
];
const AUDIENCES = ['students', 'beginners', 'professionals', 'families', 'creators', 'teams'];
const TONES = ['friendly', 'informative', 'energetic', 'calm', 'documentary', 'playful'];
const VOICES = [
  'en-US-Aria',
  'en-US-Guy',
  'en-GB-Sonia',
  'en-AU-Natasha',
  'en-US-Jenny',
  'en-IN-Neerja',
];

export function title(rng: Rng, topic: string): string {
  return pick(rng, TITLE_PATTERNS)(topic);
}

/** One narration-like sentence of 8-20 words. */
/**
 * A narration-like sentence of 8-23 words. Without a topic it comes from a fixed pool of
 * generated sentences: one random draw instead of fifteen, which matters for millions of rows.
 */
export function sentence(rng: Rng, topic?: string): string {
  if (!topic) return SENTENCES[Math.floor(rng() * SENTENCES.length)]!;
  return composeSentence(rng, topic);
}

function composeSentence(rng: Rng, topic?: string): string {
  const parts: string[] = [pick(rng, OPENERS), 'the', pick(rng, ADJECTIVES), pick(rng, NOUNS)];
  if (topic) parts.push('of', topic.toLowerCase());
  parts.push(pick(rng, VERBS), 'the', pick(rng, ADJECTIVES), pick(rng, NOUNS));
  const extra = int(rng, 0, 3);
  for (let i = 0; i < extra; i++) {
    parts.push(
      pick(rng, ['and', 'while', 'because', 'so']),
      pick(rng, NOUNS),
      pick(rng, VERBS),
      'the',
      pick(rng, NOUNS),
    );
  }
  return `${parts.join(' ')}.`;
}

const SENTENCES: readonly string[] = (() => {
  const rng = mulberry32(0x5e47e2ce);
  return Array.from({ length: 16_384 }, () => composeSentence(rng));
})();

/** Sentences up to about `chars` characters. */
export function paragraph(rng: Rng, chars: number, topic?: string): string {
  let text = '';
  while (text.length < chars) text += (text ? ' ' : '') + sentence(rng, text ? undefined : topic);
  return text;
}

export function description(rng: Rng, topic: string): string {
  const tone = pick(rng, TONES);
  return `${/^[aeiou]/.test(tone) ? 'An' : 'A'} ${tone} video for ${pick(rng, AUDIENCES)} about ${topic.toLowerCase()}. ${paragraph(rng, int(rng, 60, 240))}`;
}

export { AUDIENCES, NOUNS, TONES, VOICES };
