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

export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 7,
  colors: { indigo },
  defaultRadius: 'md',
  // Users who ask their system for less motion get menus, dialogs and toasts without transitions.
  respectReducedMotion: true,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  // Icon-only close buttons get a name for screen readers (axe rates a nameless button critical).
  components: {
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } },
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
