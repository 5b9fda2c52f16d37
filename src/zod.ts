import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod-to-openapi adds `.openapi()` to zod's prototypes; doing it in this one module, which every schema imports
// `z` from, guarantees it has happened before any schema is declared.
extendZodWithOpenApi(z);

export { z };
