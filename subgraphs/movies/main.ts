import { runSubgraph } from '../../platform/kit';
import { loadMoviesConfig } from './config';
import { movies } from './service';

runSubgraph(movies, () => loadMoviesConfig());
