import { createTheme, type MantineColorsTuple } from '@mantine/core';

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
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  // Dimmed text and borders dark enough for 4.5:1 text and 3:1 non-text contrast on white.
  other: {},
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
