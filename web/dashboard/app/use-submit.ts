import { useState } from 'preact/hooks';
import { errorText } from './api.js';

export interface Submit {
  busy: boolean;
  error: string;
  /** the form's onSubmit: no page reload, busy while the action runs, its failure shown as error */
  submit(e: Event): Promise<void>;
}

/** One form action: every form of the dashboard submits, waits and reports errors the same way. */
export function useSubmit(action: () => Promise<void>): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
