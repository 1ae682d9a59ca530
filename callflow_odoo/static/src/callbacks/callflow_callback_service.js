import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

// A timer further away than this is left to the next page load or the cron.
const MAX_TIMER_MS = 60 * 60 * 1000;

/** "15:30" (the user's time zone) of a UTC datetime string from the server. */
export function callbackTime(value) {
    try {
        return formatDateTime(deserializeDateTime(value), { format: "HH:mm" });
    } catch {
        return value || "";
    }
}

/**
 * Callbacks at their minute (issue #14): the bus notification
 * "callflow.callback/due" that the callbacks cron sends to the assigned
 * operator, and "callflow.callback/late" to a manager when the operator was
 * offline, shown as a sticky notification with Call, Snooze 10 min and
 * Reassign. For precision (and for a callback that fell due while the
 * operator was away), the service also asks the server once for the
 * user's callbacks due within the next minutes and shows each at its time.
 * One callback is shown once per callback time.
 */
export const callflowCallbackService = {
    dependencies: ["bus_service", "notification", "orm", "action"],

    start(env, { bus_service, notification, orm, action }) {
        const shown = new Map(); // entry id -> { at, close }
        const timers = new Map(); // entry id -> timeout id

        function close(entryId) {
            const current = shown.get(entryId);
            if (current) {
                shown.delete(entryId);
                current.close();
            }
        }

        async function call(payload) {
            close(payload.entry_id);
            const result = await orm.call("callflow.callback", "call", [payload.entry_id]);
            if (result) {
                await action.doAction(result);
            }
        }

        async function snooze(payload) {
            const at = await orm.call("callflow.callback", "snooze", [payload.entry_id]);
            close(payload.entry_id);
            notification.add(_t("%(name)s: call back at %(time)s", {
                name: payload.name,
                time: callbackTime(at),
            }), {
                title: _t("Callback snoozed"),
                type: "info",
                className: "o_callflow_callback_snoozed",
            });
            plan({ ...payload, callback_at: at });
        }

        async function reassign(payload) {
            close(payload.entry_id);
            const result = await orm.call("callflow.callback.reassign", "action_open", [
                payload.entry_id,
            ]);
            await action.doAction(result);
        }

        function show(payload) {
            const current = shown.get(payload.entry_id);
            if (current && current.at === payload.callback_at) {
                return;
            }
            close(payload.entry_id);
            const late = Boolean(payload.escalated);
            const title = late
                ? _t("%(operator)s missed a callback: %(name)s", {
                      operator: payload.operator,
                      name: payload.name,
                  })
                : _t("Call back %s now", payload.name);
            const message = _t("%(number)s · %(list)s · promised for %(time)s", {
                number: payload.number_display || payload.number,
                list: payload.list,
                time: callbackTime(payload.callback_at),
            });
            const buttons = [
                {
                    name: _t("Call"),
                    icon: "fa-phone",
                    primary: true,
                    onClick: () => call(payload),
                },
                { name: _t("Snooze 10 min"), icon: "fa-clock-o", onClick: () => snooze(payload) },
                { name: _t("Reassign"), icon: "fa-user", onClick: () => reassign(payload) },
            ];
            const closeFn = notification.add(message, {
                title,
                type: late ? "danger" : "warning",
                sticky: true,
                className: `o_callflow_callback_notification o_callflow_callback_${payload.entry_id}`,
                buttons: late ? buttons.slice(1) : buttons,
                onClose: () => {
                    if (shown.get(payload.entry_id)?.close === closeFn) {
                        shown.delete(payload.entry_id);
                    }
                },
            });
            shown.set(payload.entry_id, { at: payload.callback_at, close: closeFn });
        }

        /** Show ``payload`` at its callback time (now when already due). */
        function plan(payload) {
            browser.clearTimeout(timers.get(payload.entry_id));
            const delay = deserializeDateTime(payload.callback_at).toMillis() - Date.now();
            if (delay <= 0) {
                show(payload);
            } else if (delay < MAX_TIMER_MS) {
                timers.set(
                    payload.entry_id,
                    browser.setTimeout(() => show(payload), delay)
                );
            }
        }

        bus_service.subscribe("callflow.callback/due", (payload) => {
            browser.clearTimeout(timers.get(payload.entry_id));
            show(payload);
        });
        bus_service.subscribe("callflow.callback/late", (payload) => show(payload));
        bus_service.subscribe("callflow.callback/planned", (payload) => plan(payload));
        if (!bus_service.isActive) {
            bus_service.start();
        }
        orm.silent
            .call("callflow.callback", "upcoming", [])
            .then((payloads) => payloads.forEach(plan))
            .catch(() => {});
        return { show, plan, close };
    },
};

registry.category("services").add("callflow_callback", callflowCallbackService);
