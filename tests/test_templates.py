"""Message templates: Russian defaults, texts changed without code, every mistake caught when the sidecar starts."""

from __future__ import annotations

import pytest

from sidecar.config import Config, ConfigError
from sidecar.scenarios.templating import load_templates
from tests.live import chat_id, new_lead, new_partner, new_webinar
from tests.test_sidecar_process import sidecar_command


def test_the_defaults_are_russian_and_values_are_escaped_for_telegrams_html():
    text = load_templates().render("partner_not_attended", lead_name="<script>Ева</script>", webinar_title="A & B")
    assert text == ("Ваш кандидат <b>&lt;script&gt;Ева&lt;/script&gt;</b> не был на вебинаре «A &amp; B».\n"
                    "Напишите ему и пригласите на следующий эфир.")


@pytest.mark.parametrize("override,complaint", [
    ('[partner_attended]\ntext = "Кандидат {lead_nme} пришёл"', "uses {lead_nme}, which its sender does not provide"),
    ('[recording_offer]\ntext = "Запись вебинара «{webinar_title}»"', "must keep the placeholder {recording_url}"),
    ('[partner_atended]\ntext = "{lead_name}"', "unknown template partner_atended"),
    ('[partner_attended]\ntext = "<b>{lead_name}"', "<b> is never closed"),
    ('[partner_attended]\ntext = "{lead_name} < 5"', "write a literal < as &lt;"),
    ('[partner_attended]\ntext = "{lead_name} & Co"', "write a literal & as &amp;"),
    ('[partner_attended]\ntext = "<script>{lead_name}</script>"', "use one of Telegram's tags"),
    ('[partner_attended]\nfields = ["x"]\ntext = "{lead_name}"', "give only its text"),
    ('[partner_attended\ntext = "x"', "is not valid TOML"),
])
def test_a_broken_template_file_stops_the_start_with_one_line_naming_it(mariadb, tmp_path, override, complaint):
    path = tmp_path / "messages.toml"
    path.write_text(override, encoding="utf-8")
    done = sidecar_command("migrate", mariadb.sidecar_env(WHIEDA_TEMPLATES_FILE=str(path)))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "WHIEDA_TEMPLATES_FILE" in lines[0] and complaint in lines[0], done.stderr


def test_a_missing_template_file_is_named(mariadb, tmp_path):
    with pytest.raises(ConfigError, match="WHIEDA_TEMPLATES_FILE .*cannot read"):
        Config.from_env(mariadb.sidecar_env(WHIEDA_TEMPLATES_FILE=str(tmp_path / "nowhere.toml")))


def test_a_text_changed_in_the_templates_file_is_what_the_partner_gets(stack, sidecar, telegram, tmp_path):
    path = tmp_path / "messages.toml"
    path.write_text('[partner_attended]\ntext = """\n<i>Новости:</i> {lead_name} был на «{webinar_title}».\n"""\n',
                    encoding="utf-8")
    partner_chat = chat_id()
    webinar = new_webinar(stack, "Свой текст")
    lead = new_lead(stack, "Вера", chat_id(), new_partner(stack, partner_chat))
    stack.restart_sidecar(WHIEDA_TEMPLATES_FILE=str(path))
    try:
        stack.wp_eval(f"whieda_client_webinar_completed( {lead}, {webinar}, 's-1', array( 'webinar_type' => 'auto' ) );"
                      " return true;")  # a recording watched to its end: attended without a live window
        assert telegram.wait_delivered(partner_chat, 1) == ["<i>Новости:</i> Вера был на «Свой текст»."]
    finally:
        stack.restart_sidecar()
