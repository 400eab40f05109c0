// Vapi server URL for every tenant (the tenant's Vapi webhook settings are in the vault).
import { vapi } from 'voiceops';
import { withWebhook } from 'voiceops/next';
import { app, publicBaseUrl } from '../../../../lib/voiceops';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request, context: { params: Promise<{ token: string }> }): Promise<Response> {
  const { vault } = await app();
  const { token } = await context.params;
  const handler = withWebhook({ vault, provider: 'vapi', token, publicUrl: { baseUrl: publicBaseUrl() } },
    async (_req, _ctx, hook) => {
      if (hook.message?.type === 'assistant-request') {
        const reply = vapi.assistantReply({ assistant: { firstMessage: `Hello from ${hook.tenant}` } });
        return new Response(reply, { headers: { 'content-type': 'application/json' } });
      }
      return Response.json({ tenant: hook.tenant, received: hook.message?.type ?? null });
    });
  return handler(request, context);
}
