/** @odoo-module **/

/**
 * SMS segment counter, the same rules as tools/sms_segments.py: GSM-7 gives
 * 160 characters in one SMS and 153 per part, characters of the extension
 * table (€ ^ { } [ ] ~ \ | form feed) take two; any other character switches
 * the whole message to UCS-2: 70 characters, 67 per part, in UTF-16 units
 * (an emoji takes two, Japanese text is always UCS-2).
 */

const GSM7_BASIC = new Set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
);
const GSM7_EXTENSION = new Set("^{}\\[~]|€\f");

export const OPTOUT_PLACEHOLDER = "{optout_link}";

/**
 * @param {string} text
 * @param {number} linkLength length counted for each {optout_link}
 * @returns {{encoding: string, chars: number, segments: number,
 *            charsLeft: number, perSegment: number}}
 */
export function countSegments(text, linkLength = 0) {
    text = text || "";
    let extra = 0;
    if (linkLength && text.includes(OPTOUT_PLACEHOLDER)) {
        extra = text.split(OPTOUT_PLACEHOLDER).length - 1;
        extra *= linkLength;
        text = text.split(OPTOUT_PLACEHOLDER).join("");
    }
    const chars = Array.from(text);
    const gsm = chars.every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c));
    let units, single, multi;
    if (gsm) {
        [single, multi] = [160, 153];
        units = chars.reduce((n, c) => n + (GSM7_EXTENSION.has(c) ? 2 : 1), 0) + extra;
    } else {
        [single, multi] = [70, 67];
        units = text.length + extra; // UTF-16 code units
    }
    if (units <= single) {
        return {
            encoding: gsm ? "GSM-7" : "UCS-2",
            chars: units,
            segments: units ? 1 : 0,
            charsLeft: single - units,
            perSegment: single,
        };
    }
    const segments = Math.ceil(units / multi);
    return {
        encoding: gsm ? "GSM-7" : "UCS-2",
        chars: units,
        segments,
        charsLeft: segments * multi - units,
        perSegment: multi,
    };
}
