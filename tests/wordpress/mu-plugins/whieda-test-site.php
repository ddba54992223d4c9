<?php
/**
 * Plugin Name: Whieda test site's own choices (test stack only)
 * Description: What a real site would configure around the lead form, through the plugin's filters.
 *
 * - The site sits behind a proxy it trusts: the lead form's per-IP limit counts the first
 *   X-Forwarded-For address (so each test's visitor has an address of its own).
 * - With the option whieda_test_captcha set, the site asks a CAPTCHA: the field prints on
 *   whieda_lead_form_fields, and whieda_lead_form_check refuses a submission without the answer.
 *
 * @package Whieda_Tests
 */

defined( 'ABSPATH' ) || exit;

add_filter(
	'whieda_lead_form_client_ip',
	function ( $ip ) {
		$forwarded = isset( $_SERVER['HTTP_X_FORWARDED_FOR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['HTTP_X_FORWARDED_FOR'] ) ) : '';
		return '' !== $forwarded ? trim( explode( ',', $forwarded )[0] ) : $ip;
	}
);

add_action(
	'whieda_lead_form_fields',
	function () {
		if ( get_option( 'whieda_test_captcha' ) ) {
			echo '<p><label for="test-captcha">Сколько будет 2 + 2?</label> <input id="test-captcha" name="test_captcha" type="text"></p>';
		}
	}
);

add_filter(
	'whieda_lead_form_check',
	function ( $check, $values, $post ) {
		if ( get_option( 'whieda_test_captcha' ) && ( $post['test_captcha'] ?? '' ) !== '4' ) {
			return new WP_Error( 'test_captcha', 'Ответьте на вопрос «Сколько будет 2 + 2?» и отправьте заявку ещё раз.' );
		}
		return $check;
	},
	10,
	3
);
