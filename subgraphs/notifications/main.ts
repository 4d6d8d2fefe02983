import { runSubgraph } from '../../platform/kit';
import { loadNotificationsConfig } from './config';
import { notifications } from './service';

runSubgraph(notifications, () => loadNotificationsConfig());
