import { Button, Center, Group, Stack, Text, Title } from '@mantine/core';
import Link from 'next/link';

export default function ProjectNotFound() {
  return (
    <Center mih="60vh" p="md">
      <Stack align="center" gap="sm" maw={480}>
        <Text c="dimmed" fw={700} size="xl">
          404
        </Text>
        <Title order={1} size="h2" ta="center">
          No such project
        </Title>
        <Text ta="center" c="dimmed">
          It may have been deleted for good, or the address is mistyped. A project moved to the
          trash can be restored from the projects page.
        </Text>
        <Group>
          <Button component={Link} href="/projects">
            Back to the projects
          </Button>
          <Button component={Link} href="/projects?trash=true" variant="default">
            Look in the trash
          </Button>
        </Group>
      </Stack>
    </Center>
  );
}
