// List a tenant's Twilio numbers with a client scoped to that tenant (credentials from the vault).
import { TwilioClient, VoiceOpsError } from 'voiceops';
import { app, isAdmin } from '../../../../../lib/voiceops';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request, context: { params: Promise<{ tenant: string }> }): Promise<Response> {
  if (!isAdmin(request)) return new Response('unauthorized', { status: 401 });
  const { vault, providerUrl } = await app();
  const { tenant } = await context.params;
  try {
    const twilio = await TwilioClient.forTenant(vault, tenant, { apiBaseUrl: providerUrl, accountsBaseUrl: providerUrl });
    try {
      const numbers: Array<{ sid: string | null; phoneNumber: string | null }> = [];
      for await (const n of twilio.numbers.list({ PageSize: 50 })) numbers.push({ sid: n.sid, phoneNumber: n.phoneNumber });
      return Response.json({ tenant, numbers });
    } finally {
      twilio.close();
    }
  } catch (e) {
    if (e instanceof VoiceOpsError) {
      return Response.json({ error: e.code, message: e.message }, { status: e.code === 'VO_ENOTFOUND' ? 404 : 502 });
    }
    throw e;
  }
}
