import { MedicError } from '@medic/domain';

/** The error `run` throws, which must be the configuration's config_invalid MedicError. */
export function configError(run: () => unknown): MedicError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MedicError);
    expect((error as MedicError).code).toBe('config_invalid');
    return error as MedicError;
  }
  throw new Error('expected a configuration error');
}

/** The message of the configuration error `run` throws. */
export const configMessage = (run: () => unknown): string => configError(run).message;
