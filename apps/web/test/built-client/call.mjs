// A plain Node ESM script of a sibling app: imports the built typed client by its package name
// and calls the running server. Usage: node call.mjs <api url> <token> <email> <password>
import { createAuraClient } from '@aura/api/client';

const [url, token, email, password] = process.argv.slice(2);
const anonymous = createAuraClient({ url });
const health = await anonymous.health.get.query();
const login = await anonymous.auth.login.mutate({ email, password });
const page = await createAuraClient({ url, token }).projects.list.query({ limit: 5 });
console.log(
  JSON.stringify({
    health: health.status,
    loggedIn: login.user.email,
    titles: page.items.map((item) => item.title),
  }),
);
