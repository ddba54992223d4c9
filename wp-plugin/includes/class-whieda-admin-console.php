<?php
/**
 * [whieda_live_admin]: the speaker's console on /admin_webinar/.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * For users with `webinar_manage_status` (administrator and speaker, granted on activation): start and
 * stop any webinar only through Core's `core_webinar_set_status`, show and hide the CTA only through
 * `core_webinar_set_cta_visibility` (seed 003: every speaker keeps these rights whatever
 * `webinar.speaker_id` is). A webinar's business fields (title, date / time, poster, player / chat
 * embed, CTA) are Core data: changing them follows WordPress's own `edit_post` for that post, creating
 * one the post type's `create_posts` (it starts as a draft), publishing it `publish_posts`; a site may
 * grant more with the `whieda_console_may_edit` filter. Every action is a POST to admin-post.php with
 * a nonce of its own webinar and a capability check; a forged or stale request changes nothing. The console polls
 * the room state, so the speaker sees what he set within a second.
 */
class Whieda_Admin_Console {

	const SHORTCODE = 'whieda_live_admin';
	const ACTION    = 'whieda_console';

	/**
	 * The capabilities the plugin grants (SPEC §5: rights are capabilities, no moderator role);
	 * webinar_view_reports opens the webinar reports in wp-admin (Whieda_Reports).
	 */
	const CAPS = array( 'webinar_manage_status', 'webinar_manage_chat', 'webinar_view_reports' );

	/** What the first release granted: a role its option lists by name alone had these. */
	const FIRST_CAPS = array( 'webinar_manage_status', 'webinar_manage_chat' );

	/** The roles that get them, if the site has them (speaker is Core's role). */
	const ROLES = array( 'administrator', 'speaker' );

	/** Commands: what each does, through Core's public hooks only (restart: start an ended webinar again, on purpose). */
	const COMMANDS = array( 'save', 'create', 'publish', 'start', 'restart', 'stop', 'cta_show', 'cta_hide' );

	/** Commands that change a webinar_event itself (Core data), and the right each needs (may_edit()). */
	const EDITS = array(
		'save'    => 'edit',
		'create'  => 'create',
		'publish' => 'publish',
	);

	/** Transient prefix: what the last save took out of the embeds, shown once to the speaker who saved. */
	const NOTES_KEY = 'whieda_console_notes_';

	/** The console's page answers 403 to a logged-in user without the capability (the page still explains). */
	public function refusal_status() {
		$post = is_singular() ? get_post() : null;
		if ( $post && is_user_logged_in() && ! current_user_can( 'webinar_manage_status' ) && has_shortcode( $post->post_content, self::SHORTCODE ) ) {
			status_header( 403 );
			nocache_headers();
		}
	}

	/** Option: which of CAPS the plugin has granted to each role, role => caps (each once, so a site may take them back). */
	const GRANTED_OPTION = 'whieda_caps_granted';

	/**
	 * Grants each of CAPS to each of ROLES once: on activation, on a later load for a speaker role
	 * Core registers after the plugin was activated, and for a capability a newer release brings. A
	 * capability an administrator later takes from a role stays taken.
	 *
	 * @param bool $again Grant even what was granted before (activation).
	 */
	public static function grant_caps( $again = false ) {
		$granted = $again ? array() : self::granted();
		$changed = false;
		foreach ( self::ROLES as $name ) {
			$role = get_role( $name );
			if ( ! $role ) {
				continue;
			}
			foreach ( array_diff( self::CAPS, $granted[ $name ] ?? array() ) as $cap ) {
				$role->add_cap( $cap );
				$granted[ $name ][] = $cap;
				$changed            = true;
			}
		}
		if ( $changed ) {
			update_option( self::GRANTED_OPTION, $granted );
		}
	}

	/** @return array<string, string[]> role => the caps granted to it (the first release kept role names only). */
	private static function granted() {
		$granted = array();
		foreach ( (array) get_option( self::GRANTED_OPTION, array() ) as $key => $value ) {
			if ( is_int( $key ) ) {
				$granted[ (string) $value ] = self::FIRST_CAPS;
			} else {
				$granted[ (string) $key ] = array_values( (array) $value );
			}
		}
		return $granted;
	}

	/** Removes CAPS from every role (uninstall). */
	public static function revoke_caps() {
		delete_option( self::GRANTED_OPTION );
		foreach ( wp_roles()->role_objects as $role ) {
			foreach ( self::CAPS as $cap ) {
				if ( $role->has_cap( $cap ) ) {
					$role->remove_cap( $cap );
				}
			}
		}
	}

	/**
	 * @param array|string $atts Shortcode attributes (none).
	 * @return string
	 */
	public function render( $atts ) {
		whieda_enqueue_page_assets();
		$view = array(
			'state'     => 'console',
			'login_url' => wp_login_url( add_query_arg( array() ) ),
		);
		if ( ! is_user_logged_in() ) {
			$view['state'] = 'login';
		} elseif ( ! current_user_can( 'webinar_manage_status' ) ) {
			$view['state'] = 'refused';
		} else {
			$list       = get_posts(
				array(
					'post_type'      => 'webinar_event',
					'post_status'    => array( 'publish', 'draft', 'future' ),
					'posts_per_page' => 50,
					'orderby'        => 'date',
					'order'          => 'DESC',
				)
			);
			$webinar_id = isset( $_GET['webinar'] ) ? absint( $_GET['webinar'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification
			if ( ! $webinar_id ) {
				$webinar_id = Whieda_Webinar_View::current_id();
			}
			if ( ! $webinar_id && $list ) {
				$webinar_id = $list[0]->ID;
			}
			$view['list']       = $list;
			$view['webinar']    = $webinar_id ? Whieda_Webinar_View::get( $webinar_id ) : null;
			$view['done']       = isset( $_GET['whieda_done'] ) ? sanitize_key( wp_unslash( $_GET['whieda_done'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification
			$view['saved']      = isset( $_GET['whieda_saved'] ); // phpcs:ignore WordPress.Security.NonceVerification
			$view['removed']    = (array) get_transient( self::NOTES_KEY . get_current_user_id() );
			$view['may_create'] = self::may_edit( 'create' );
			delete_transient( self::NOTES_KEY . get_current_user_id() );
			if ( $view['webinar'] ) {
				$view['may_edit']    = self::may_edit( 'edit', $webinar_id );
				$view['may_publish'] = 'publish' !== get_post_status( $webinar_id ) && self::may_edit( 'publish', $webinar_id );
				$view['room']        = Whieda_Room_Route::read_state( $webinar_id );
				$view['stateUrl']    = Whieda_Plugin::instance()->room_route->client_config( $webinar_id )['stateUrl'];
				$view['fallback']    = rest_url( Whieda_Room_Route::NS . '/rooms/' . $webinar_id . '/state' );
			}
		}
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/admin-console.php';
		return (string) ob_get_clean();
	}

	/** A POST from someone not logged in: nothing happens. */
	public function refuse() {
		wp_die( esc_html__( 'Войдите на сайт под учётной записью спикера.', 'whieda-bridge' ), '', array( 'response' => 401 ) );
	}

	/** One console action: capability, nonce of this webinar, then the action through Core. */
	public function handle() {
		// phpcs:disable WordPress.Security.NonceVerification -- verified below, before anything changes.
		$command    = isset( $_POST['command'] ) ? sanitize_key( wp_unslash( $_POST['command'] ) ) : '';
		$webinar_id = isset( $_POST['webinar_id'] ) ? absint( $_POST['webinar_id'] ) : 0;
		$nonce      = isset( $_POST['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $_POST['_wpnonce'] ) ) : '';
		// phpcs:enable
		if ( ! current_user_can( 'webinar_manage_status' ) ) {
			wp_die( esc_html__( 'У вас нет прав управлять вебинарами.', 'whieda-bridge' ), '', array( 'response' => 403 ) );
		}
		// Fields come with every command from the console's form (isset title); a speaker's are disabled there.
		$edit = isset( self::EDITS[ $command ] ) ? self::EDITS[ $command ] : ( isset( $_POST['title'] ) ? 'edit' : '' ); // phpcs:ignore WordPress.Security.NonceVerification
		if ( '' !== $edit && ! self::may_edit( $edit, $webinar_id ) ) {
			Whieda_Log::write( sprintf( 'console: user %d may not %s webinar %d', get_current_user_id(), $edit, $webinar_id ) );
			wp_die( esc_html__( 'Менять поля этого вебинара, создавать и публиковать вебинары могут его автор и редакторы сайта. Начать и завершить эфир, показать и скрыть кнопку вы можете.', 'whieda-bridge' ), '', array( 'response' => 403, 'back_link' => true ) );
		}
		if ( ! in_array( $command, self::COMMANDS, true ) || ! wp_verify_nonce( $nonce, self::ACTION . '_' . $webinar_id ) ) {
			wp_die( esc_html__( 'Ссылка устарела. Обновите страницу и повторите действие.', 'whieda-bridge' ), '', array( 'response' => 403, 'back_link' => true ) );
		}
		$saved = false;
		if ( 'create' === $command ) {
			$webinar_id = $this->create();
		} elseif ( ! Whieda_Webinar_View::get( $webinar_id ) ) {
			wp_die( esc_html__( 'Такого вебинара нет.', 'whieda-bridge' ), '', array( 'response' => 404, 'back_link' => true ) );
		} else {
			// The console sends its fields with every command: what the speaker typed is saved first, never lost.
			if ( 'save' === $command || isset( $_POST['title'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
				$this->save( $webinar_id );
				$saved = true;
			}
			$command = $this->run( $command, $webinar_id );
		}
		$back = wp_get_referer() ? remove_query_arg( array( 'whieda_done', 'webinar', 'whieda_saved' ), wp_get_referer() ) : home_url( '/admin_webinar/' );
		$args = array(
			'webinar'     => $webinar_id,
			'whieda_done' => $command,
		);
		if ( $saved && 'save' !== $command ) {
			$args['whieda_saved'] = 1;
		}
		wp_safe_redirect( add_query_arg( $args, $back ) );
		exit;
	}

	/**
	 * One command through Core's hooks, unless it would mislead: a CTA with no link is not shown, and an
	 * ended webinar starts again only by «Начать эфир заново» (restart).
	 *
	 * @param string $command    A command of COMMANDS other than create.
	 * @param int    $webinar_id Webinar.
	 * @return string What was done, or why not (the notice the console shows).
	 */
	private function run( $command, $webinar_id ) {
		$context = array(
			'actor_id'  => get_current_user_id(),
			'timestamp' => time(),
			'source'    => 'admin_webinar',
		);
		$status = Whieda_Room_Route::read_state( $webinar_id )['status'];
		switch ( $command ) {
			case 'start':
				if ( 'ended' === $status ) {
					return 'restart_needed';
				}
				do_action( 'core_webinar_set_status', $webinar_id, 'start', $context );
				return $command;
			case 'restart':
			case 'stop':
				do_action( 'core_webinar_set_status', $webinar_id, 'stop' === $command ? 'stop' : 'start', $context );
				return $command;
			case 'cta_show':
				if ( '' === Whieda_Webinar_View::get( $webinar_id )['cta_url'] ) {
					return 'cta_no_link';
				}
				do_action( 'core_webinar_set_cta_visibility', $webinar_id, true, $context );
				return $command;
			case 'cta_hide':
				do_action( 'core_webinar_set_cta_visibility', $webinar_id, false, $context );
				return $command;
			case 'publish':
				wp_publish_post( $webinar_id );
				return $command;
		}
		return 'save';
	}

	/**
	 * Whether the current user may change a webinar_event from the console: WordPress's own rights for
	 * that post ('edit': edit_post; 'publish': edit_post and the type's publish_posts; 'create': the
	 * type's create_posts), unless the site's filter says otherwise.
	 *
	 * @param string $what       'edit', 'publish' or 'create'.
	 * @param int    $webinar_id The webinar (0 for 'create').
	 * @return bool
	 */
	public static function may_edit( $what, $webinar_id = 0 ) {
		$type = get_post_type_object( 'webinar_event' );
		if ( ! $type ) {
			$can = false;
		} elseif ( 'create' === $what ) {
			$can = current_user_can( $type->cap->create_posts );
		} else {
			$can = current_user_can( 'edit_post', $webinar_id ) && ( 'publish' !== $what || current_user_can( $type->cap->publish_posts ) );
		}
		/**
		 * Filters whether the current user may change a webinar_event's fields from the console.
		 *
		 * @param bool   $can        WordPress's own answer (edit_post / publish_posts / create_posts).
		 * @param string $what       'edit', 'publish' or 'create'.
		 * @param int    $webinar_id The webinar (0 for 'create').
		 * @param int    $user_id    The user.
		 */
		return (bool) apply_filters( 'whieda_console_may_edit', $can, $what, (int) $webinar_id, get_current_user_id() );
	}

	/** @return int The new webinar_event: a draft, published from the console or wp-admin once ready. */
	private function create() {
		$id = wp_insert_post(
			array(
				'post_type'   => 'webinar_event',
				'post_status' => 'draft',
				'post_title'  => __( 'Новый вебинар', 'whieda-bridge' ),
				'post_author' => get_current_user_id(),
			)
		);
		if ( ! $id || is_wp_error( $id ) ) {
			wp_die( esc_html__( 'Не удалось создать вебинар.', 'whieda-bridge' ), '', array( 'response' => 500, 'back_link' => true ) );
		}
		update_post_meta( $id, Whieda_Webinar_View::META['webinar_type'], 'live' );
		update_post_meta( $id, Whieda_Webinar_View::META['stream_type'], 'obs' );
		return (int) $id;
	}

	/**
	 * Saves the business fields; embeds through Whieda_Webinar_View::clean_embed() (iframes, no scripts),
	 * keeping for the speaker what it took out.
	 *
	 * @param int $webinar_id Webinar.
	 */
	private function save( $webinar_id ) {
		// phpcs:disable WordPress.Security.NonceVerification -- handle() verified it.
		$post = wp_unslash( $_POST );
		// phpcs:enable
		$title = sanitize_text_field( (string) ( $post['title'] ?? '' ) );
		if ( '' !== $title ) {
			wp_update_post(
				array(
					'ID'         => $webinar_id,
					'post_title' => $title,
				)
			);
		}
		$meta   = Whieda_Webinar_View::META;
		$starts = $this->parse_local( (string) ( $post['starts_at'] ?? '' ) );
		update_post_meta( $webinar_id, $meta['starts_at'], $starts ? (string) $starts : '' );
		foreach ( array( 'poster', 'external_url', 'cta_url', 'recording_url' ) as $field ) {
			update_post_meta( $webinar_id, $meta[ $field ], esc_url_raw( trim( (string) ( $post[ $field ] ?? '' ) ), array( 'http', 'https' ) ) );
		}
		update_post_meta( $webinar_id, $meta['cta_label'], sanitize_text_field( (string) ( $post['cta_label'] ?? '' ) ) );
		$stream = sanitize_key( (string) ( $post['stream_type'] ?? '' ) );
		update_post_meta( $webinar_id, $meta['stream_type'], in_array( $stream, Whieda_Webinar_View::STREAM_TYPES, true ) ? $stream : 'obs' );
		$removed = array();
		foreach ( array( 'player_embed', 'chat_embed', 'presentation' ) as $field ) {
			$clean = Whieda_Webinar_View::clean_embed( (string) ( $post[ $field ] ?? '' ) );
			update_post_meta( $webinar_id, $meta[ $field ], wp_slash( $clean['html'] ) );
			if ( $clean['removed'] ) {
				$removed[ $field ] = $clean['removed'];
			}
		}
		set_transient( self::NOTES_KEY . get_current_user_id(), $removed, 5 * MINUTE_IN_SECONDS );
	}

	/**
	 * A datetime-local value in the site's timezone → Unix time; 0 if empty or malformed.
	 *
	 * @param string $value e.g. 2026-12-01T19:00.
	 * @return int
	 */
	private function parse_local( $value ) {
		$date = DateTimeImmutable::createFromFormat( '!Y-m-d\TH:i', trim( $value ), wp_timezone() );
		return $date ? $date->getTimestamp() : 0;
	}
}
