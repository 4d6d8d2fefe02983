import { runSubgraph } from '../../platform/kit';
import { loadRatingsConfig } from './config';
import { ratings } from './service';

runSubgraph(ratings, () => loadRatingsConfig());
