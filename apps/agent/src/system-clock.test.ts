import { clockContract } from '@medic/testkit';
import { sleep } from '@medic/test-support';
import { SystemClock } from './system-clock';

clockContract('SystemClock', async () => ({ clock: new SystemClock(), advance: sleep }));
