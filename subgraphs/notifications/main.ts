import { runSubgraph } from '../../platform/startup';
import { loadNotificationsConfig } from './config';
import { startNotificationsService } from './service';

runSubgraph('notifications', () => loadNotificationsConfig(), startNotificationsService);
