export default function Home() {
  return (
    <main>
      <h1>voiceops Next.js example</h1>
      <p>Webhooks: POST /api/twilio/&lt;token&gt;/voice and /api/vapi/&lt;token&gt;.</p>
      <p>Admin: GET /api/tenants/&lt;tenant&gt;/numbers, POST /api/tenants/&lt;tenant&gt;/import.</p>
    </main>
  );
}
