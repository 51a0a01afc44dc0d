'use client';

import { Notice } from '@/components/health/ScrollTable';
import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import {
  errorText,
  fieldError,
  notifyDone,
  notifyError,
  QueryState,
  type ApiError,
  TONE,
} from '@/components/admin/feedback';
import { useTRPC } from '@/trpc/react';

function Step({
  n,
  title,
  done,
  children,
}: {
  n: number;
  title: string;
  done: boolean;
  children: ReactNode;
}) {
  return (
    <Card withBorder padding="sm" component="section" aria-labelledby={`install-step-${n}`}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5" id={`install-step-${n}`}>
          {n}. {title}
        </Title>
        <Badge color={done ? TONE.ok : TONE.muted} variant="filled">
          {done ? 'done' : 'to do'}
        </Badge>
      </Group>
      {children}
    </Card>
  );
}

function PasswordStep({ done }: { done: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: async () => {
        notifyDone('Password changed');
        setCurrent('');
        setNext('');
        await queryClient.invalidateQueries({ queryKey: trpc.setup.installation.queryKey() });
      },
      onError: (error) => {
        if (!error.data?.zodError) notifyError('Could not change the password', error);
      },
    }),
  );
  const error = change.error as ApiError | null;
  return (
    <Step n={1} title="Change the generated password" done={done}>
      <Text size="sm" c="dimmed" mb="xs">
        {done
          ? 'You no longer sign in with the password written to the data folder at the first start. Delete that file if it is still there.'
          : 'The first start wrote your password to a file in the data folder: replace it with one only you know.'}
      </Text>
      {!done && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            change.mutate({ currentPassword: current, newPassword: next });
          }}
        >
          <Stack gap="xs">
            <PasswordInput
              label="Current (generated) password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              autoComplete="current-password"
              error={fieldError(error, 'currentPassword', 'The current password')}
            />
            <PasswordInput
              label="New password"
              value={next}
              onChange={(e) => setNext(e.currentTarget.value)}
              autoComplete="new-password"
              error={fieldError(error, 'newPassword', 'The new password')}
            />
            <Group>
              <Button type="submit" variant="light" loading={change.isPending}>
                Change password
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Step>
  );
}

/** The first admin's installation setup: password, FFmpeg, output folder, then done. */
export function InstallationSetup() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.setup.installation.queryOptions());
  const [ffmpeg, setFfmpeg] = useState<string | null>(null);
  const [output, setOutput] = useState<string | null>(null);
  const test = useMutation(trpc.system.testFfmpeg.mutationOptions());
  const finish = useMutation(
    trpc.setup.completeInstallation.mutationOptions({
      onSuccess: async () => {
        notifyDone('The installation is set up');
        await queryClient.invalidateQueries({ queryKey: trpc.setup.installation.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.system.pathKey() });
      },
      onError: (error) => {
        if (!error.data?.zodError) notifyError('Could not finish the installation setup', error);
      },
    }),
  );
  const error = finish.error as ApiError | null;

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="install-title">
      <Title order={2} size="h4" id="install-title" mb="xs">
        Installation setup
      </Title>
      <QueryState isPending={status.isPending} error={status.error} label="the installation setup">
        {status.data &&
          (status.data.isSetupComplete ? (
            <Notice
              color="green"
              title="This installation is set up"
              data-testid="install-complete"
            >
              FFmpeg and the output folder can still be changed under Settings.
            </Notice>
          ) : !status.data.details ? (
            <Notice color="yellow" title="Waiting for an admin">
              An admin has not finished setting up this installation yet.
            </Notice>
          ) : (
            (() => {
              const details = status.data.details;
              const ffmpegValue = ffmpeg ?? details.ffmpegPath ?? '';
              const outputValue = output ?? details.outputDirectory;
              return (
                <Stack gap="sm">
                  <PasswordStep done={!details.generatedPasswordInUse} />
                  <Step n={2} title="FFmpeg" done={details.ffmpegPath !== null}>
                    <Text size="sm" c="dimmed" mb="xs">
                      The program that renders exports. Leave empty to use <Code>ffmpeg</Code> on
                      the server&apos;s PATH.
                    </Text>
                    <Group align="flex-end" gap="xs">
                      <TextInput
                        style={{ flex: 1, minWidth: 200 }}
                        label="FFmpeg path"
                        placeholder="/usr/bin/ffmpeg"
                        value={ffmpegValue}
                        onChange={(e) => setFfmpeg(e.currentTarget.value)}
                        error={fieldError(error, 'ffmpegPath', 'The FFmpeg path')}
                      />
                      <Button
                        variant="default"
                        loading={test.isPending}
                        onClick={() => test.mutate({ ffmpegPath: ffmpegValue.trim() || null })}
                      >
                        Test
                      </Button>
                    </Group>
                    <div role="status" aria-live="polite">
                      {test.data && (
                        <Text
                          size="sm"
                          mt="xs"
                          c={test.data.ok ? TONE.ok : TONE.danger}
                          data-testid="ffmpeg-test"
                        >
                          {test.data.ok
                            ? `${test.data.version ?? 'FFmpeg'} (${test.data.path})`
                            : `Not usable: ${test.data.error ?? 'unknown error'}`}
                        </Text>
                      )}
                      {test.error && (
                        <Text size="sm" mt="xs" c={TONE.danger}>
                          {errorText(test.error)}
                        </Text>
                      )}
                    </div>
                  </Step>
                  <Step n={3} title="Output folder" done>
                    <TextInput
                      label="Where exports are written"
                      value={outputValue}
                      onChange={(e) => setOutput(e.currentTarget.value)}
                      error={fieldError(error, 'outputDirectory', 'The output folder')}
                    />
                  </Step>
                  <Group>
                    <Button
                      color={TONE.ok}
                      loading={finish.isPending}
                      disabled={details.generatedPasswordInUse}
                      onClick={() =>
                        finish.mutate({
                          rowVersion: details.rowVersion,
                          ...(ffmpegValue.trim() !== (details.ffmpegPath ?? '') && {
                            ffmpegPath: ffmpegValue.trim() || null,
                          }),
                          ...(outputValue.trim() !== details.outputDirectory && {
                            outputDirectory: outputValue.trim(),
                          }),
                        })
                      }
                    >
                      Finish installation setup
                    </Button>
                    {details.generatedPasswordInUse && (
                      <Text size="sm" c="dimmed">
                        Change the generated password first.
                      </Text>
                    )}
                  </Group>
                  {finish.error && !finish.error.data?.zodError && (
                    <Notice color="red" role="alert">
                      {errorText(finish.error)}
                    </Notice>
                  )}
                </Stack>
              );
            })()
          ))}
      </QueryState>
    </Card>
  );
}
