import { Loader } from '@mantine/core';

export default function TrashLoading() {
  return (
    <main className="page" aria-busy="true">
      <h1>Trash</h1>
      <p role="status">
        <Loader size="xs" /> Loading the trash…
      </p>
    </main>
  );
}
