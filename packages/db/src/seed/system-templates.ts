import type { templates } from '../schema';

/**
 * The system templates every new database starts with. `TemplateData` holds the specs a project
 * created from the template starts with (brief, plan, voice, render), in the same shape as the
 * project's *Json columns.
 */
type SystemTemplate = Omit<
  typeof templates.$inferInsert,
  'isSystemTemplate' | 'isCommunityTemplate' | 'author'
> & { templateData: string };

const data = (value: unknown) => JSON.stringify(value);

export const SYSTEM_TEMPLATES: SystemTemplate[] = [
  {
    id: 'system-youtube-explainer',
    name: 'YouTube Explainer',
    description:
      'A 6–8 minute landscape explainer: hook, context, three key points with visuals, recap and call to action.',
    category: 'Education',
    subCategory: 'Explainer',
    tags: 'youtube,explainer,landscape,long-form',
    templateData: data({
      brief: {
        tone: 'informative',
        audience: 'curious general audience',
        targetDurationSeconds: 420,
        language: 'en',
      },
      plan: {
        sections: [
          {
            name: 'Hook',
            durationSeconds: 20,
            guidance: 'Open with a surprising question or fact.',
          },
          { name: 'Context', durationSeconds: 60, guidance: 'Why this matters to the viewer.' },
          { name: 'Point 1', durationSeconds: 90 },
          { name: 'Point 2', durationSeconds: 90 },
          { name: 'Point 3', durationSeconds: 90 },
          { name: 'Recap', durationSeconds: 45 },
          {
            name: 'Call to action',
            durationSeconds: 25,
            guidance: 'Ask to subscribe and suggest the next video.',
          },
        ],
        pacing: 'medium',
      },
      voice: { style: 'conversational', speakingRate: 1.0, pitch: 0 },
      render: {
        width: 1920,
        height: 1080,
        fps: 30,
        aspectRatio: '16:9',
        captions: true,
        music: 'light-ambient',
      },
    }),
  },
  {
    id: 'system-short-vertical',
    name: 'Short Vertical Clip',
    description:
      'A 30–45 second vertical clip for Shorts, Reels and TikTok: instant hook, one idea, loopable ending.',
    category: 'Short-form',
    subCategory: 'Vertical',
    tags: 'shorts,reels,tiktok,vertical,9:16',
    templateData: data({
      brief: {
        tone: 'energetic',
        audience: 'mobile viewers scrolling',
        targetDurationSeconds: 40,
        language: 'en',
      },
      plan: {
        sections: [
          {
            name: 'Hook',
            durationSeconds: 3,
            guidance: 'Big bold claim in the first three seconds.',
          },
          { name: 'Payoff', durationSeconds: 30 },
          {
            name: 'Loop',
            durationSeconds: 7,
            guidance: 'End on a line that leads back to the start.',
          },
        ],
        pacing: 'fast',
      },
      voice: { style: 'upbeat', speakingRate: 1.15, pitch: 1 },
      render: {
        width: 1080,
        height: 1920,
        fps: 30,
        aspectRatio: '9:16',
        captions: true,
        captionStyle: 'word-by-word',
      },
    }),
  },
  {
    id: 'system-product-demo',
    name: 'Product Demo',
    description:
      'A 90 second product walkthrough: the problem, the product solving it in three steps, social proof, offer.',
    category: 'Marketing',
    subCategory: 'Product',
    tags: 'product,demo,saas,marketing',
    templateData: data({
      brief: {
        tone: 'confident',
        audience: 'prospective customers',
        targetDurationSeconds: 90,
        language: 'en',
      },
      plan: {
        sections: [
          { name: 'Problem', durationSeconds: 15 },
          { name: 'Step 1', durationSeconds: 20 },
          { name: 'Step 2', durationSeconds: 20 },
          { name: 'Step 3', durationSeconds: 15 },
          { name: 'Social proof', durationSeconds: 10 },
          { name: 'Offer', durationSeconds: 10 },
        ],
        pacing: 'medium',
      },
      voice: { style: 'professional', speakingRate: 1.05, pitch: 0 },
      render: {
        width: 1920,
        height: 1080,
        fps: 30,
        aspectRatio: '16:9',
        captions: true,
        music: 'corporate-upbeat',
      },
    }),
  },
  {
    id: 'system-step-by-step-tutorial',
    name: 'Step-by-Step Tutorial',
    description:
      'A numbered how-to with a materials list, one scene per step and a final result shot.',
    category: 'Tutorial',
    subCategory: 'How-to',
    tags: 'tutorial,how-to,steps,education',
    templateData: data({
      brief: { tone: 'patient', audience: 'beginners', targetDurationSeconds: 300, language: 'en' },
      plan: {
        sections: [
          { name: 'What you will make', durationSeconds: 20 },
          { name: 'What you need', durationSeconds: 30 },
          { name: 'Steps', durationSeconds: 210, repeat: 'one scene per step' },
          { name: 'Result and tips', durationSeconds: 40 },
        ],
        pacing: 'slow',
      },
      voice: { style: 'calm', speakingRate: 0.95, pitch: 0 },
      render: {
        width: 1920,
        height: 1080,
        fps: 30,
        aspectRatio: '16:9',
        captions: true,
        stepNumbers: true,
      },
    }),
  },
  {
    id: 'system-instagram-square',
    name: 'Instagram Square Story',
    description:
      'A 60 second square post: three visual beats with overlay text, made for sound-off viewing.',
    category: 'Social',
    subCategory: 'Instagram',
    tags: 'instagram,square,1:1,social',
    templateData: data({
      brief: { tone: 'friendly', audience: 'followers', targetDurationSeconds: 60, language: 'en' },
      plan: {
        sections: [
          { name: 'Beat 1', durationSeconds: 20 },
          { name: 'Beat 2', durationSeconds: 20 },
          { name: 'Beat 3', durationSeconds: 20 },
        ],
        pacing: 'medium',
        overlayText: true,
      },
      voice: { style: 'warm', speakingRate: 1.0, pitch: 0 },
      render: {
        width: 1080,
        height: 1080,
        fps: 30,
        aspectRatio: '1:1',
        captions: true,
        burnInCaptions: true,
      },
    }),
  },
  {
    id: 'system-corporate-training',
    name: 'Corporate Training Module',
    description:
      'A 10 minute training module with learning objectives, scenario, policy points and a knowledge check.',
    category: 'Corporate',
    subCategory: 'Training',
    tags: 'training,onboarding,compliance,corporate',
    templateData: data({
      brief: {
        tone: 'clear and neutral',
        audience: 'employees',
        targetDurationSeconds: 600,
        language: 'en',
      },
      plan: {
        sections: [
          { name: 'Objectives', durationSeconds: 45 },
          { name: 'Scenario', durationSeconds: 150 },
          { name: 'Key policies', durationSeconds: 240 },
          { name: 'Knowledge check', durationSeconds: 120 },
          { name: 'Summary', durationSeconds: 45 },
        ],
        pacing: 'slow',
      },
      voice: { style: 'professional', speakingRate: 0.95, pitch: -1 },
      render: {
        width: 1920,
        height: 1080,
        fps: 25,
        aspectRatio: '16:9',
        captions: true,
        chapterMarkers: true,
      },
    }),
  },
  {
    id: 'system-news-recap',
    name: 'News Recap',
    description:
      'A 3 minute recap of the week: headline montage, three stories, what to watch next.',
    category: 'News',
    subCategory: 'Weekly recap',
    tags: 'news,recap,weekly,current-events',
    templateData: data({
      brief: {
        tone: 'authoritative',
        audience: 'busy readers',
        targetDurationSeconds: 180,
        language: 'en',
      },
      plan: {
        sections: [
          { name: 'Headlines', durationSeconds: 20 },
          { name: 'Story 1', durationSeconds: 45 },
          { name: 'Story 2', durationSeconds: 45 },
          { name: 'Story 3', durationSeconds: 45 },
          { name: 'What to watch', durationSeconds: 25 },
        ],
        pacing: 'medium',
      },
      voice: { style: 'newscaster', speakingRate: 1.05, pitch: 0 },
      render: {
        width: 1920,
        height: 1080,
        fps: 30,
        aspectRatio: '16:9',
        captions: true,
        lowerThirds: true,
      },
    }),
  },
  {
    id: 'system-story-narration',
    name: 'Narrated Story',
    description:
      'A 5 minute narrated story in three acts with illustrated scenes and a slow, cinematic pace.',
    category: 'Storytelling',
    subCategory: 'Narrative',
    tags: 'story,narration,cinematic,fiction',
    templateData: data({
      brief: {
        tone: 'evocative',
        audience: 'story lovers',
        targetDurationSeconds: 300,
        language: 'en',
      },
      plan: {
        sections: [
          { name: 'Setup', durationSeconds: 80 },
          { name: 'Confrontation', durationSeconds: 140 },
          { name: 'Resolution', durationSeconds: 80 },
        ],
        pacing: 'slow',
        imageStyle: 'painterly illustration',
      },
      voice: { style: 'storyteller', speakingRate: 0.9, pitch: -1 },
      render: {
        width: 1920,
        height: 1080,
        fps: 24,
        aspectRatio: '16:9',
        captions: false,
        music: 'cinematic',
      },
    }),
  },
  {
    id: 'system-podcast-audiogram',
    name: 'Podcast Audiogram',
    description:
      'A 60 second highlight from a podcast episode with waveform, speaker name and episode link.',
    category: 'Podcast',
    subCategory: 'Audiogram',
    tags: 'podcast,audiogram,waveform,highlight',
    templateData: data({
      brief: {
        tone: 'conversational',
        audience: 'podcast listeners',
        targetDurationSeconds: 60,
        language: 'en',
      },
      plan: {
        sections: [
          { name: 'Quote', durationSeconds: 50 },
          { name: 'Episode card', durationSeconds: 10 },
        ],
        pacing: 'medium',
        waveform: true,
      },
      voice: { style: 'as-recorded', speakingRate: 1.0, pitch: 0 },
      render: {
        width: 1080,
        height: 1080,
        fps: 30,
        aspectRatio: '1:1',
        captions: true,
        waveform: 'bars',
      },
    }),
  },
];
