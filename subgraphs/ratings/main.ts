import { runSubgraph } from '../../platform/startup';
import { loadRatingsConfig } from './config';
import { startRatingsService } from './service';

runSubgraph('ratings', () => loadRatingsConfig(), startRatingsService);
