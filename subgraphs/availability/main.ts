import { runSubgraph } from '../../platform/kit';
import { loadAvailabilityConfig } from './config';
import { availability } from './service';

runSubgraph(availability, () => loadAvailabilityConfig());
