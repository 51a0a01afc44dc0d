import { Center, Loader } from '@mantine/core';

export default function Loading() {
  return (
    <Center mih={240} role="status" aria-live="polite">
      <Loader aria-label="Loading" />
    </Center>
  );
}
