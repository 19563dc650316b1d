import { outcomeRepoContract } from '@medic/testkit';
import { freshStore } from './testing/temp-stores';

outcomeRepoContract('SqliteOutcomeRepo', freshStore);
