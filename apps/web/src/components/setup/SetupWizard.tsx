'use client';

import { Notice } from '@/components/health/ScrollTable';
import { Button, Card, Group, Radio, Select, Stack, Stepper, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { notifyDone, notifyError, QueryState, TONE } from '@/components/admin/feedback';
import { When } from '@/components/versions/when';
import { useTRPC } from '@/trpc/react';

/** The wizard's version, saved with the progress (a later wizard can tell old state apart). */
export const WIZARD_VERSION = '1';

export const WIZARD_STEPS = ['Welcome', 'Tier', 'Preferences', 'Finish'] as const;

const TIERS = [
  { value: 'Free', label: 'Free', description: 'Local voices and stock images; 720p exports.' },
  { value: 'Pro', label: 'Pro', description: 'Premium voices, generated images, 1080p exports.' },
  {
    value: 'Studio',
    label: 'Studio',
    description: 'Everything in Pro, 4K exports and team templates.',
  },
] as const;

const LANGUAGES = ['English', 'German', 'French', 'Spanish', 'Japanese'];

function stringOf(state: Record<string, unknown> | null, key: string): string | null {
  const value = state?.[key];
  return typeof value === 'string' ? value : null;
}

/** The caller's own first-run wizard: steps, tier, preferences; resumes at the saved step. */
export function SetupWizard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.setup.status.queryOptions({}));
  const [step, setStep] = useState<number | null>(null);
  const [tier, setTier] = useState<string | null>(null);
  const [language, setLanguage] = useState<string | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.setup.status.queryKey() });
  const save = useMutation(
    trpc.setup.saveProgress.mutationOptions({
      onSuccess: (saved) => {
        // The saved row at once (its new RowVersion), so a quick next step never sends a stale one.
        queryClient.setQueryData(trpc.setup.status.queryKey({}), saved);
        setStep(saved.lastStep);
      },
      onError: (error) => notifyError('Could not save your progress', error),
    }),
  );
  const complete = useMutation(
    trpc.setup.complete.mutationOptions({
      onSuccess: async () => {
        notifyDone('Setup complete');
        await refresh();
        await queryClient.invalidateQueries({ queryKey: trpc.setup.installation.queryKey() });
      },
      onError: (error) => notifyError('Could not finish the setup', error),
    }),
  );
  const reset = useMutation(
    trpc.setup.reset.mutationOptions({
      onSuccess: async () => {
        setStep(0);
        await refresh();
      },
      onError: (error) => notifyError('Could not restart the wizard', error),
    }),
  );

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="wizard-title">
      <Title order={2} size="h4" id="wizard-title" mb="xs">
        Your first-run wizard
      </Title>
      <QueryState isPending={status.isPending} error={status.error} label="your setup">
        {status.data &&
          (() => {
            const data = status.data;
            if (data.completed) {
              return (
                <Stack gap="sm" data-testid="wizard-complete">
                  <Notice color="green" title="Completed">
                    You finished the wizard
                    {data.completedAt && (
                      <>
                        {' '}
                        (<When iso={data.completedAt} />)
                      </>
                    )}
                    {data.selectedTier && <> with the {data.selectedTier} tier</>}.
                  </Notice>
                  <Group>
                    <Button
                      variant="light"
                      loading={reset.isPending}
                      onClick={() =>
                        data.rowVersion !== null &&
                        reset.mutate({ keepState: true, rowVersion: data.rowVersion })
                      }
                    >
                      Run the wizard again
                    </Button>
                  </Group>
                </Stack>
              );
            }
            const active = Math.min(step ?? data.lastStep, WIZARD_STEPS.length - 1);
            const chosenTier = tier ?? data.selectedTier;
            const chosenLanguage = language ?? stringOf(data.wizardState, 'language');
            const goTo = (next: number) =>
              save.mutate({
                lastStep: next,
                version: WIZARD_VERSION,
                selectedTier: chosenTier,
                wizardState: { ...(data.wizardState ?? {}), language: chosenLanguage },
                rowVersion: data.rowVersion ?? undefined,
              });
            return (
              <Stack gap="md">
                {data.started && data.lastStep > 0 && step === null && (
                  <Text size="sm" c="dimmed" data-testid="wizard-resumed">
                    Resumed where you left off (step {data.lastStep + 1} of {WIZARD_STEPS.length}).
                  </Text>
                )}
                <Stepper active={active} size="sm" allowNextStepsSelect={false}>
                  <Stepper.Step label="Welcome">
                    <Text size="sm" mt="sm">
                      Aura turns a brief into a narrated video. This wizard picks your tier and a
                      few preferences; your progress is saved at every step.
                    </Text>
                  </Stepper.Step>
                  <Stepper.Step label="Tier">
                    <Radio.Group
                      mt="sm"
                      label="Your tier"
                      value={chosenTier ?? ''}
                      onChange={setTier}
                    >
                      <Stack gap="xs" mt="xs">
                        {TIERS.map((t) => (
                          <Radio
                            key={t.value}
                            value={t.value}
                            label={t.label}
                            description={t.description}
                          />
                        ))}
                      </Stack>
                    </Radio.Group>
                  </Stepper.Step>
                  <Stepper.Step label="Preferences">
                    <Select
                      mt="sm"
                      label="Narration language"
                      data={LANGUAGES}
                      value={chosenLanguage}
                      onChange={setLanguage}
                      allowDeselect={false}
                    />
                  </Stepper.Step>
                  <Stepper.Step label="Finish">
                    <Text size="sm" mt="sm">
                      Tier: {chosenTier ?? 'not chosen'} · language:{' '}
                      {chosenLanguage ?? 'not chosen'}
                    </Text>
                  </Stepper.Step>
                </Stepper>
                <Group justify="space-between">
                  <Button
                    variant="default"
                    disabled={active === 0}
                    loading={save.isPending && save.variables.lastStep < active}
                    onClick={() => goTo(active - 1)}
                  >
                    Back
                  </Button>
                  {active < WIZARD_STEPS.length - 1 ? (
                    <Button
                      onClick={() => goTo(active + 1)}
                      loading={save.isPending && save.variables.lastStep > active}
                      disabled={active === 1 && !chosenTier}
                    >
                      Next
                    </Button>
                  ) : (
                    <Button
                      color={TONE.ok}
                      loading={complete.isPending}
                      onClick={() => complete.mutate({ rowVersion: data.rowVersion ?? undefined })}
                    >
                      Finish setup
                    </Button>
                  )}
                </Group>
              </Stack>
            );
          })()}
      </QueryState>
    </Card>
  );
}
