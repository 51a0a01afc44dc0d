import { createTheme, Modal, Notification, type MantineColorsTuple } from '@mantine/core';

// Indigo, as the dashboard has used so far; shade 7 is the one buttons and links use.
const indigo: MantineColorsTuple = [
  '#eef0ff',
  '#dcdfff',
  '#b6bbfb',
  '#8e95f7',
  '#6c73f3',
  '#5a5ff1',
  '#4f46e5',
  '#3f38c8',
  '#3530b3',
  '#28259e',
];

// Mantine's red with shades 7-9 darkened: its shade 7 (#f03e3e), the one the theme uses, is 3.8:1
// on white, as text and under white text; #c92a2a is 5.9:1.
const red: MantineColorsTuple = [
  '#fff5f5',
  '#ffe3e3',
  '#ffc9c9',
  '#ffa8a8',
  '#ff8787',
  '#ff6b6b',
  '#fa5252',
  '#c92a2a',
  '#b02525',
  '#962020',
];

export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 7,
  colors: { indigo, red },
  defaultRadius: 'md',
  // Users who ask their system for less motion get menus, dialogs and toasts without transitions.
  respectReducedMotion: true,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  // Icon-only close buttons get a name for screen readers (axe rates a nameless button critical).
  components: {
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } },
      // Under a title Mantine greys the message to gray-6 (3.3:1 on white); dimmed is 5.9:1.
      styles: { description: { color: 'var(--mantine-color-dimmed)' } },
    }),
    Modal: Modal.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } },
    }),
  },
});

/** CSS variables the theme cannot set: borders and progress tracks at ≥ 3:1 against white. */
export const cssVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-default-border': '#8a94a6',
    '--mantine-color-dimmed': '#5b6576',
    '--progress-track': '#8a94a6',
  },
  dark: {},
});
