'use client';

import { Badge, type BadgeProps } from '@mantine/core';
import { notifications, type NotificationData } from '@mantine/notifications';

/**
 * Small accessibility wrappers: Mantine's light badges, alert titles and toast descriptions use
 * mid shades that fall under 4.5:1 on their tinted backgrounds, and a toast's close button has no
 * name by default.
 */

/** Text colours at ≥ 4.5:1 on the light tint of their colour and on white. */
const TEXT: Record<string, string> = {
  blue: '#174a86',
  green: '#1d5e2c',
  red: '#9b1c1c',
  gray: '#39414d',
  yellow: '#5f4500',
  orange: '#7c3300',
  indigo: '#2f2a8f',
};

export function ToneBadge({ color = 'gray', ...props }: BadgeProps & { color?: string }) {
  return (
    <Badge
      variant="light"
      color={color}
      {...props}
      styles={{ label: { color: TEXT[color] ?? TEXT.gray } }}
    />
  );
}

/** Alert title and message in the body text colour (the tint stays as the signal). */
export const ALERT_STYLES = {
  title: { color: 'var(--mantine-color-black)' },
  message: { color: 'var(--mantine-color-black)' },
};

/** A toast with a named close button and a readable description. */
export function toast(data: NotificationData) {
  notifications.show({
    ...data,
    closeButtonProps: { 'aria-label': 'Dismiss notification' },
    styles: { description: { color: 'var(--mantine-color-gray-8)' } },
  });
}
