import { runSubgraph } from '../../platform/startup';
import { loadMoviesConfig } from './config';
import { startMoviesService } from './service';

runSubgraph('movies', () => loadMoviesConfig(), startMoviesService);
