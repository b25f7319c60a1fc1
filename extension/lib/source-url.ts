import { repository } from '../../package.json';
import { browsableRepositoryUrl } from '@shared/source-url';

/**
 * Where this extension's source is offered (AGPL-3.0 section 13) before the server said its own `sourceUrl`:
 * the repository of the package.json it was built from.
 */
export const BUNDLED_SOURCE_URL: string = browsableRepositoryUrl(repository) ?? 'https://www.gnu.org/licenses/agpl-3.0.html';
