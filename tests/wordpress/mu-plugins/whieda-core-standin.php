<?php
/**
 * Plugin Name: Whieda Core stand-in (tests and local demo only)
 * Description: A small stand-in for the site's Core, which our plugin listens to but never replaces. Not shipped.
 *
 * It registers the Core post types and roles, turns core_ingest_event into a
 * lead_entry (with the Telegram chat id of a user who started the bot) and fires core_lead_created, stores a webinar's status and CTA
 * visibility when the Core commands fire, and fires core_user_registered /
 * core_user_login as the real Core does.
 *
 * @package Whieda_Tests
 */

defined( 'ABSPATH' ) || exit;

add_action(
	'init',
	function () {
		register_post_type(
			'webinar_event',
			array(
				'label'        => 'Вебинары',
				'public'       => true,
				'show_in_rest' => true,
				'supports'     => array( 'title', 'editor', 'thumbnail', 'custom-fields' ),
			)
		);
		register_post_type(
			'lead_entry',
			array(
				'label'   => 'Лиды',
				'public'  => false,
				'show_ui' => true,
			)
		);
		// SPEC §5: admin → speaker → leader → partner → candidate; no moderator.
		$roles = array(
			'speaker'   => 'Спикер',
			'leader'    => 'Лидер',
			'partner'   => 'Партнёр',
			'candidate' => 'Кандидат',
		);
		foreach ( $roles as $role => $label ) {
			if ( ! wp_installing() && null === get_role( $role ) ) {
				add_role( $role, $label, array( 'read' => true ) );
			}
		}
	}
);

// Core Ingest: one lead_entry per ingest, with the lead metrics of SPEC §7.
add_action(
	'core_ingest_event',
	function ( $payload ) {
		if ( ! is_array( $payload ) ) {
			return;
		}
		$now     = time();
		$lead_id = wp_insert_post(
			array(
				'post_type'   => 'lead_entry',
				'post_status' => 'publish',
				'post_title'  => isset( $payload['name'] ) ? (string) $payload['name'] : 'lead',
			)
		);
		if ( ! $lead_id || is_wp_error( $lead_id ) ) {
			return;
		}
		$meta = array(
			'lead_source'      => isset( $payload['source'] ) ? $payload['source'] : '',
			'first_touch_at'   => $now,
			'lead_created_at'  => $now,
			'lead_created_via' => 'core_ingest',
			'email'            => isset( $payload['email'] ) ? $payload['email'] : '',
			'telegram'         => isset( $payload['telegram'] ) ? $payload['telegram'] : '',
			'ref_id'           => isset( $payload['ref_id'] ) ? $payload['ref_id'] : '',
		);
		foreach ( $meta as $key => $value ) {
			update_post_meta( $lead_id, $key, $value );
		}
		// Core knows the chats of Telegram users who have started the site's bot (the option
		// whieda_standin_telegram_chats: username => chat id); a lead from one of them gets its chat id.
		$chats    = (array) get_option( 'whieda_standin_telegram_chats', array() );
		$username = strtolower( ltrim( (string) $meta['telegram'], '@' ) );
		if ( '' !== $username && isset( $chats[ $username ] ) ) {
			update_post_meta( $lead_id, 'telegram_chat_id', (string) $chats[ $username ] );
		}
		do_action( 'core_lead_created', $lead_id, $payload );
	}
);

// Core owns a webinar's status and CTA; these commands are the only way to change them.
add_action(
	'core_webinar_set_status',
	function ( $webinar_id, $status ) {
		if ( in_array( $status, array( 'start', 'stop' ), true ) && get_post( (int) $webinar_id ) ) {
			update_post_meta( (int) $webinar_id, 'webinar_status', 'start' === $status ? 'live' : 'ended' );
		}
	},
	10,
	2
);
add_action(
	'core_webinar_set_cta_visibility',
	function ( $webinar_id, $visible ) {
		if ( get_post( (int) $webinar_id ) ) {
			update_post_meta( (int) $webinar_id, 'cta_visible', $visible ? '1' : '0' );
		}
	},
	10,
	2
);

// Core's user facts, with the referrer kept in the user's `ref_id` meta.
add_action(
	'user_register',
	function ( $user_id ) {
		do_action( 'core_user_registered', wp_generate_uuid4(), $user_id, get_user_meta( $user_id, 'ref_id', true ) ?: null, time() );
	}
);
add_action(
	'wp_login',
	function ( $login, $user ) {
		do_action( 'core_user_login', wp_generate_uuid4(), $user->ID, get_user_meta( $user->ID, 'ref_id', true ) ?: null, time() );
	},
	10,
	2
);

// Core answers the bridge's question "who referred this viewer?" from its own data (never stored by the bridge).
add_filter(
	'whieda_viewer_ref_id',
	function ( $ref_id, $user_id ) {
		$ref = get_user_meta( $user_id, 'ref_id', true );
		return '' !== $ref ? (int) $ref : $ref_id;
	},
	10,
	2
);
