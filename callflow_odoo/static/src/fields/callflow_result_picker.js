import { _t } from "@web/core/l10n/translation";
import { useHotkey } from "@web/core/hotkeys/hotkey_hook";
import { registry } from "@web/core/registry";
import { RadioField, radioField } from "@web/views/fields/radio/radio_field";
import { useSpecialData } from "@web/views/fields/relational_utils";

let nextId = 0;

/**
 * The call results as radio buttons: every result that fits the outcome
 * chosen (none hidden behind "Search More..."), most used first, as the
 * server orders them (callflow.call.result.callflow_picker_choices). The
 * digits 1-9 pick the first nine, except while typing in a text field.
 */
export class CallflowResultPicker extends RadioField {
    static template = "callflow_odoo.CallflowResultPicker";
    static props = {
        ...RadioField.props,
        outcomeField: { type: String, optional: true },
    };
    static defaultProps = {
        ...RadioField.defaultProps,
        outcomeField: "outcome",
    };

    setup() {
        // Not super.setup(): the radio field would also load every result.
        this.id = `callflow_result_picker_${nextId++}`;
        this.type = "many2one";
        this.specialData = useSpecialData((orm, props) =>
            orm.call("callflow.call.result", "callflow_picker_choices", [
                props.record.data[props.outcomeField || "outcome"] || false,
            ])
        );
        for (let index = 0; index < 9; index++) {
            useHotkey(String(index + 1), () => this.pick(index));
        }
    }

    get items() {
        return Array.isArray(this.specialData.data) ? this.specialData.data : [];
    }

    pick(index) {
        const item = this.items[index];
        if (item && !this.props.readonly) {
            this.onChange(item);
        }
    }
}

export const callflowResultPicker = {
    ...radioField,
    component: CallflowResultPicker,
    displayName: _t("Call result picker"),
    supportedTypes: ["many2one"],
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...radioField.extractProps(fieldInfo, dynamicInfo),
        outcomeField: fieldInfo.options.outcome_field,
    }),
};

registry.category("fields").add("callflow_result_picker", callflowResultPicker);
