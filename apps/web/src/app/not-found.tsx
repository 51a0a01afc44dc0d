import { Button, Center, Stack, Text, Title } from '@mantine/core';
import Link from 'next/link';

export default function NotFound() {
  return (
    <Center mih="70vh" p="md">
      <Stack align="center" gap="sm" maw={480}>
        <Text c="dimmed" fw={700} size="xl">
          404
        </Text>
        <Title order={1} size="h2" ta="center">
          This page does not exist
        </Title>
        <Text ta="center" c="dimmed">
          The address may be mistyped, or what it pointed to was deleted.
        </Text>
        <Button component={Link} href="/projects">
          Back to the projects
        </Button>
      </Stack>
    </Center>
  );
}
