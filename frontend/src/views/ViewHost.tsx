// Shows one view: loads its module on first use, or says that its UI is still to come.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Environment } from '../api';
import { ComingSoon, LoadFailed, Loading } from '../components/Panels';
import { viewLoader } from './registry';
import type { ViewProps } from './types';

// Loaded modules stay loaded: switching back to a tab is instant.
const loaded = new Map<string, ComponentType<ViewProps>>();

interface Props {
  name: string;
  label: string;
  environment: Environment | null;
}

export function ViewHost({ name, label, environment }: Props) {
  const load = viewLoader(name);
  const [component, setComponent] = useState(() => loaded.get(name) ?? null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setError(null);
    const cached = loaded.get(name);
    setComponent(() => cached ?? null);
    if (cached || !load) return;
    let current = true;
    load().then(
      (module) => {
        loaded.set(name, module.default);
        if (current) setComponent(() => module.default);
      },
      (reason: unknown) => {
        if (current) setError(reason);
      },
    );
    return () => {
      current = false;
    };
  }, [name, load, attempt]);

  if (!load) return <ComingSoon plugin={name} label={label} />;
  if (error) return <LoadFailed label={label} error={error} onRetry={() => setAttempt(attempt + 1)} />;
  if (!component) return <Loading what={label} />;
  const View = component;
  return <View plugin={name} label={label} environment={environment} />;
}
