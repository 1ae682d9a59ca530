import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * A number to dial shown as people read it (the `display_field` option,
 * e.g. "080-5555-2102"), while the `tel:` link keeps the E.164 value the
 * field holds, which every phone and softphone dials right.
 */
export class CallflowPhoneField extends Component {
    static template = "callflow_odoo.CallflowPhoneField";
    static props = {
        ...standardFieldProps,
        displayField: { type: String, optional: true },
    };

    get value() {
        return this.props.record.data[this.props.name] || "";
    }
    get label() {
        const shown = this.props.displayField && this.props.record.data[this.props.displayField];
        return shown || this.value;
    }
    get href() {
        return "tel:" + this.value.replace(/\s+/g, "");
    }
}

export const callflowPhoneField = {
    component: CallflowPhoneField,
    displayName: _t("Phone (formatted)"),
    supportedTypes: ["char"],
    extractProps: ({ options }) => ({ displayField: options.display_field }),
};

registry.category("fields").add("callflow_phone", callflowPhoneField);
