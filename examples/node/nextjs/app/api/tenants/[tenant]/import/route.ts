// Import the tenant's Twilio numbers into Vapi (idempotent, audited), server-side only.
import { services } from 'voiceops';
import { app, isAdmin } from '../../../../../lib/voiceops';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request, context: { params: Promise<{ tenant: string }> }): Promise<Response> {
  if (!isAdmin(request)) return new Response('unauthorized', { status: 401 });
  const { vault, providerUrl } = await app();
  const { tenant } = await context.params;
  const report = await services.importNumbers(vault, tenant, {}, {
    twilioApiBaseUrl: providerUrl, twilioAccountsBaseUrl: providerUrl, vapiBaseUrl: providerUrl,
  });
  return Response.json(report);
}
