"""asyncio (the loop keeps its schedule while slow calls run), threads (calls run in
parallel: ctypes releases the GIL), memory (no growth), correlation ids across threads."""
from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any

import pytest
from vo_testkit import Sandbox, rss_kb, twilio, vo

from voiceops import aio


def test_event_loop_keeps_schedule_during_50_slow_calls(vault: vo.Vault, sandbox: Sandbox,
                                                        tenant: dict[str, Any]) -> None:
    acct = f"/2010-04-01/Accounts/{tenant['account']['account_sid']}.json"
    sandbox.fault(acct, "delay", "GET", count=50, delay_ms=300)

    async def main() -> tuple[float, int, float]:
        client = await aio.AsyncTwilioClient.for_tenant(vault, tenant["id"],
                                                        api_base_url=sandbox.url,
                                                        allow_insecure_http=True)
        done = False
        drift: list[float] = []

        async def ticker() -> None:
            while not done:
                t0 = time.perf_counter()
                await asyncio.sleep(0.010)
                drift.append(time.perf_counter() - t0 - 0.010)

        tick = asyncio.create_task(ticker())
        t0 = time.perf_counter()
        results = await asyncio.gather(*(client.account() for _ in range(50)))
        elapsed = time.perf_counter() - t0
        done = True
        await tick
        client.close()
        assert all(r["sid"] == tenant["account"]["account_sid"] for r in results)
        return max(drift), len(drift), elapsed

    worst, ticks, elapsed = asyncio.run(main())
    print(f"\nasyncio: 50 calls of 300 ms in {elapsed:.2f} s; {ticks} ticks of 10 ms, "
          f"worst drift {worst * 1000:.1f} ms")
    assert ticks >= elapsed / 0.030  # the loop kept ticking
    assert worst < 0.100  # never blocked for a call's 300 ms
    assert elapsed < 50 * 0.3 / 3


def test_threads_run_calls_in_parallel(vault: vo.Vault, sandbox: Sandbox,
                                       tenant: dict[str, Any]) -> None:
    acct = f"/2010-04-01/Accounts/{tenant['account']['account_sid']}.json"
    client = twilio(vault, sandbox, tenant["id"])
    sandbox.fault(acct, "delay", "GET", count=1, delay_ms=400)
    t0 = time.perf_counter()
    client.account()
    one = time.perf_counter() - t0
    sandbox.fault(acct, "delay", "GET", count=8, delay_ms=400)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            client.account()
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=worker) for _ in range(8)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    eight = time.perf_counter() - t0
    print(f"\nthreads: one call {one * 1000:.0f} ms, 8 threads {eight * 1000:.0f} ms "
          f"({eight / one:.1f}x one call)")
    assert not errors and eight < 3 * one


def test_correlation_id_follows_the_task(vault: vo.Vault, sandbox: Sandbox,
                                         tenant: dict[str, Any]) -> None:
    async def one(cid: str) -> None:
        vo.correlation_id.set(cid)
        c = await aio.AsyncTwilioClient.for_tenant(vault, tenant["id"], api_base_url=sandbox.url,
                                                   allow_insecure_http=True)
        await c.account()
        c.close()

    cids = [vo.new_correlation_id() for _ in range(6)]

    async def main() -> None:
        await asyncio.gather(*(one(c) for c in cids))

    asyncio.run(main())
    sent = {r.get("correlation_id") for r in sandbox.requests("GET", "/2010-04-01/Accounts/*")}
    assert set(cids) <= sent


def test_async_vault_and_services(tmp_path: Any, keyfile: Any, sandbox: Sandbox) -> None:
    async def main() -> None:
        async with await aio.AsyncVault.open(tmp_path / "a.db", key_file=keyfile) as v:
            await v.create_tenant("acme")
            assert await v.put_secret("acme", "s", "x") == 1
            assert (await v.get_secret("acme", "s")) == "x"
            assert [t.id for t in await v.tenants()] == ["acme"]
            assert (await v.audit_verify()).ok
            acc = sandbox.twilio_account(1)
            svc = aio.AsyncServices(v, twilio_api_base_url=sandbox.url,
                                    twilio_accounts_base_url=sandbox.url,
                                    vapi_base_url=sandbox.url, allow_insecure_http=True)
            await svc.onboard("t2", vo.TwilioCredentials(acc["account_sid"], acc["auth_token"]),
                              vo.VapiCredentials(sandbox.vapi_key()))
            c = await aio.AsyncTwilioClient.for_tenant(v, "t2", api_base_url=sandbox.url,
                                                       allow_insecure_http=True)
            nums = [n async for n in await c.numbers()]
            assert len(nums) == 1
            rep = await svc.import_numbers("t2")
            assert rep.imported == 1
            with pytest.raises(vo.NotFound):
                await v.get_secret("acme", "nope")

    asyncio.run(main())


def _grow(fn: Any, n: int) -> int:
    for _ in range(n // 10):
        fn()
    gc.collect()
    before = rss_kb()
    for _ in range(n):
        fn()
    gc.collect()
    return rss_kb() - before


def test_memory_stays_flat(vault: vo.Vault, sandbox: Sandbox, tenant: dict[str, Any]) -> None:
    body = b"CallSid=CA1&From=%2B1415&To=%2B1650"
    url = "https://example.com/voice"
    sig = vo.sign_twilio("t" * 32, url, [("CallSid", "CA1"), ("From", "+1415"), ("To", "+1650")])
    v = vo.TwilioVerifier("t" * 32)
    g1 = _grow(lambda: v.verify(url, sig, body), 100_000)
    vault.put_secret(tenant["id"], "k", "value")
    g2 = _grow(lambda: vault.get_secret(tenant["id"], "k").close(), 10_000)
    g3 = _grow(lambda: twilio(vault, sandbox, tenant["id"]).close(), 1_000)
    print(f"\nRSS growth: 100000 verifications {g1} KiB, 10000 vault reads {g2} KiB, "
          f"1000 clients {g3} KiB")
    assert g1 < 2048 and g2 < 4096 and g3 < 4096


def test_async_clients_mirror_the_sync_clients() -> None:
    """Every public method of TwilioClient / VapiClient has an awaitable twin with the same
    parameters (names, kinds, defaults, annotations), every property a property: the async
    surface is typed, and a method added to a sync client without its twin fails here."""
    import inspect

    for sync_cls, async_cls in ((vo.TwilioClient, aio.AsyncTwilioClient),
                                (vo.VapiClient, aio.AsyncVapiClient)):
        checked = 0
        for name, member in vars(sync_cls).items():
            if name.startswith("_") or name == "for_tenant":
                continue
            twin = vars(async_cls).get(name)
            if isinstance(member, property):
                assert isinstance(twin, property), f"{async_cls.__name__}.{name}: no property"
            elif callable(member):
                assert twin is not None and inspect.iscoroutinefunction(twin), \
                    f"{async_cls.__name__}.{name}: no awaitable method"
                assert (list(inspect.signature(twin).parameters.values())
                        == list(inspect.signature(member).parameters.values())), name
            else:
                continue
            checked += 1
        assert checked >= 15
        assert not hasattr(async_cls, "__getattr__"), "no untyped fallback"


def test_async_clients_against_the_sandbox(vault: vo.Vault, sandbox: Sandbox,
                                           tenant: dict[str, Any]) -> None:
    async def main() -> None:
        tw = await aio.AsyncTwilioClient.for_tenant(vault, tenant["id"],
                                                    api_base_url=sandbox.url,
                                                    allow_insecure_http=True)
        assert tw.account_sid == tenant["account"]["account_sid"]  # a property, not a call
        assert tw.api_base_url == sandbox.url and tw.is_fallback is False
        acct = await tw.account()
        assert acct.data["sid"] == tenant["account"]["account_sid"]
        nums = await (await tw.numbers()).collect()
        assert len(nums) == 2
        one = await tw.number(str(nums[0].id))
        assert one.id == nums[0].id
        with pytest.raises(vo.NotFound):
            await tw.number("PN" + "0" * 32)
        va = await aio.AsyncVapiClient.for_tenant(vault, tenant["id"], base_url=sandbox.url,
                                                  allow_insecure_http=True)
        assert va.tenant == tenant["id"] and va.base_url == sandbox.url
        a = await va.create_assistant(name="async-assistant")
        assert (await va.assistant(str(a.id))).data["name"] == "async-assistant"
        assert [x.id async for x in await va.assistants()] == [a.id]
        tw.close()
        va.close()

    asyncio.run(main())
