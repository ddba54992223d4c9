<?php
/**
 * Plugin Name: Whieda Core stand-in (tests and local demo only)
 * Description: A small stand-in for the site's Core, which our plugin listens to but never replaces. Not shipped.
 *
 * It registers the Core post types and roles, turns core_ingest_event into a
 * lead_entry (with the Telegram chat id of a user who started the bot) and fires core_lead_created, stores a webinar's status and CTA
 * visibility when the Core commands fire, and fires core_user_registered /
 * core_user_login as the real Core does. Like a real Core, it links a person to a lead (the user
 * meta `lead_id` the bridge reads): on its /signup/ form (a candidate account with its lead, logged
 * in at once), and when a logged-in person without a lead sends the lead form.
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
		// The person who sent it, logged in and without a lead yet, is this lead from now on.
		$user_id = get_current_user_id();
		if ( $user_id && ! get_user_meta( $user_id, 'lead_id', true ) ) {
			update_user_meta( $user_id, 'lead_id', $lead_id );
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

// Core's /signup/ (stand-in): name, email, password → a candidate account, logged in, with its lead
// (core_ingest_event, source `signup`), then the schedule. Errors are shown on the form; nothing is half made.
add_filter(
	'the_content',
	function ( $content ) {
		if ( ! is_page( 'signup' ) || ! in_the_loop() ) {
			return $content;
		}
		whieda_enqueue_page_assets(); // The plugin's form styles: the stand-in has none of its own.
		if ( is_user_logged_in() ) {
			return '<p>Вы уже зарегистрированы. <a href="' . esc_url( home_url( '/webinars/' ) ) . '">Расписание вебинаров</a></p>';
		}
		$error = isset( $GLOBALS['whieda_standin_signup_error'] ) ? '<p class="whieda-notice whieda-notice--refused" role="alert">' . esc_html( $GLOBALS['whieda_standin_signup_error'] ) . '</p>' : '';
		$value = function ( $name ) {
			return isset( $_POST[ $name ] ) ? esc_attr( sanitize_text_field( wp_unslash( $_POST[ $name ] ) ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification
		};
		return $error . '<form method="post" class="whieda-lead-form">' . wp_nonce_field( 'whieda_standin_signup', '_wpnonce', true, false )
			. '<p class="whieda-lead-form__field"><label for="su-name">Имя</label><input id="su-name" name="su_name" required value="' . $value( 'su_name' ) . '"></p>'
			. '<p class="whieda-lead-form__field"><label for="su-email">Электронная почта</label><input id="su-email" name="su_email" type="email" required value="' . $value( 'su_email' ) . '"></p>'
			. '<p class="whieda-lead-form__field"><label for="su-pass">Пароль (не короче 8 символов)</label><input id="su-pass" name="su_pass" type="password" required minlength="8"></p>'
			. '<p><button type="submit" class="whieda-button">Зарегистрироваться</button></p>'
			. '<p><a class="whieda-link" href="' . esc_url( wp_login_url( home_url( '/webinars/' ) ) ) . '">Уже есть учётная запись? Войти</a></p></form>';
	}
);
add_action(
	'template_redirect',
	function () {
		if ( ! is_page( 'signup' ) || 'POST' !== ( $_SERVER['REQUEST_METHOD'] ?? '' ) || is_user_logged_in() ) {
			return;
		}
		// phpcs:disable WordPress.Security.NonceVerification -- checked first.
		if ( ! wp_verify_nonce( sanitize_text_field( wp_unslash( $_POST['_wpnonce'] ?? '' ) ), 'whieda_standin_signup' ) ) {
			$GLOBALS['whieda_standin_signup_error'] = 'Форма устарела, отправьте её ещё раз.';
			return;
		}
		$name  = sanitize_text_field( wp_unslash( $_POST['su_name'] ?? '' ) );
		$email = sanitize_email( wp_unslash( $_POST['su_email'] ?? '' ) );
		$pass  = (string) wp_unslash( $_POST['su_pass'] ?? '' );
		// phpcs:enable
		if ( '' === $name || ! is_email( $email ) || strlen( $pass ) < 8 ) {
			$GLOBALS['whieda_standin_signup_error'] = 'Укажите имя, адрес почты и пароль не короче 8 символов.';
			return;
		}
		if ( email_exists( $email ) ) {
			$GLOBALS['whieda_standin_signup_error'] = 'Этот адрес уже зарегистрирован. Войдите на сайт.';
			return;
		}
		$user_id = wp_insert_user(
			array(
				'user_login'   => 'u' . substr( md5( $email ), 0, 10 ),
				'user_email'   => $email,
				'user_pass'    => $pass,
				'display_name' => $name,
				'role'         => 'candidate',
			)
		);
		if ( is_wp_error( $user_id ) ) {
			$GLOBALS['whieda_standin_signup_error'] = $user_id->get_error_message();
			return;
		}
		wp_set_current_user( $user_id );
		wp_set_auth_cookie( $user_id );
		do_action( 'core_ingest_event', array( 'source' => 'signup', 'name' => $name, 'email' => $email, 'submitted_at' => time() ) );
		wp_safe_redirect( home_url( '/webinars/' ), 303 );
		exit;
	}
);
