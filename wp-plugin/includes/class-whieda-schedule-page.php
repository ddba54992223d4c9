<?php
/**
 * [whieda_webinar_public]: the public schedule on /webinars/, and its registration button.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders Core's upcoming webinar_events (render-only): title, date and time in the site's
 * timezone, poster, «Прямой эфир» or «Запись», a countdown to the start, «Идёт сейчас» and the way
 * into the room while one is on air; then the webinars that ended in the last week, as ended (the
 * recording offered only to a lead the sidecar routed not_attended). A logged-in user with a lead registers with one
 * button (a nonce-checked POST to admin-post.php that fires client_webinar_registered once); a
 * guest is invited to the site's own /signup/, which the bridge never bypasses.
 */
class Whieda_Schedule_Page {

	const SHORTCODE = 'whieda_webinar_public';
	const ACTION    = 'whieda_register';

	/** User meta prefix: the time the user registered for a webinar (so the button fires once). */
	const REGISTERED_META = 'whieda_registered_';

	/**
	 * The site's sign-up page (Core's), where guests are sent.
	 *
	 * @return string
	 */
	public static function signup_url() {
		/**
		 * Filters where guests are invited to sign up (Core's page; the bridge never replaces it).
		 *
		 * @param string $url Default: /signup/ on this site.
		 */
		return (string) apply_filters( 'whieda_signup_url', home_url( '/signup/' ) );
	}

	/**
	 * @param array|string $atts Shortcode attributes: limit.
	 * @return string
	 */
	public function render( $atts ) {
		$atts = shortcode_atts( array( 'limit' => 20 ), $atts, self::SHORTCODE );
		whieda_enqueue_page_assets();
		$view = array(
			'webinars'   => Whieda_Webinar_View::upcoming( absint( $atts['limit'] ) ),
			'past'       => Whieda_Webinar_View::recently_ended( Whieda_Webinar_View::RECENT_PAST, 6 ),
			'lead_form'  => (string) apply_filters( 'whieda_lead_form_url', home_url( '/lead/' ) ), // See Whieda_Room_Page.
			'logged_in'  => is_user_logged_in(),
			'lead_id'    => Whieda_Room_Route::current_lead_id(),
			'signup_url' => self::signup_url(),
			'login_url'  => wp_login_url( get_permalink() ? get_permalink() : home_url( '/webinars/' ) ),
			'action_url' => admin_url( 'admin-post.php' ),
			'just_done'  => isset( $_GET['whieda_registered'] ) ? absint( $_GET['whieda_registered'] ) : 0, // phpcs:ignore WordPress.Security.NonceVerification
			'user_id'    => get_current_user_id(),
		);
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/schedule.php';
		return (string) ob_get_clean();
	}

	/**
	 * Whether a user has registered for a webinar through this page.
	 *
	 * @param int $user_id    User.
	 * @param int $webinar_id Webinar.
	 * @return bool
	 */
	public static function is_registered( $user_id, $webinar_id ) {
		return $user_id && '' !== (string) get_user_meta( $user_id, self::REGISTERED_META . absint( $webinar_id ), true );
	}

	/** POST from a logged-in user: check the nonce and the webinar, fire client_webinar_registered once, go back. */
	public function handle() {
		$webinar_id = isset( $_POST['webinar_id'] ) ? absint( $_POST['webinar_id'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification
		if ( ! wp_verify_nonce( isset( $_POST['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $_POST['_wpnonce'] ) ) : '', self::ACTION . '_' . $webinar_id ) ) {
			wp_die( esc_html__( 'Ссылка устарела. Обновите страницу расписания и попробуйте ещё раз.', 'whieda-bridge' ), '', array( 'response' => 403, 'back_link' => true ) );
		}
		$webinar = Whieda_Webinar_View::get( $webinar_id );
		if ( ! $webinar || 'publish' !== $webinar['post_status'] || ! current_user_can( 'read' ) ) {
			wp_die( esc_html__( 'Такого вебинара нет в расписании.', 'whieda-bridge' ), '', array( 'response' => 404, 'back_link' => true ) );
		}
		$lead_id = Whieda_Room_Route::current_lead_id();
		if ( ! $lead_id ) {
			wp_die( esc_html__( 'Для этой учётной записи не найдена заявка участника, поэтому записаться нельзя. Напишите вашему партнёру.', 'whieda-bridge' ), '', array( 'response' => 403, 'back_link' => true ) );
		}
		$user_id = get_current_user_id();
		if ( ! self::is_registered( $user_id, $webinar_id ) ) {
			update_user_meta( $user_id, self::REGISTERED_META . $webinar_id, time() );
			whieda_client_webinar_registered(
				$lead_id,
				$webinar_id,
				array(
					'webinar_type' => $webinar['webinar_type'],
					'source'       => 'webinars_page',
					'slot_id'      => $webinar['starts_at'] ? gmdate( 'Y-m-d\TH:i', $webinar['starts_at'] ) : null,
				)
			);
		}
		$back = wp_get_referer() ? wp_get_referer() : home_url( '/webinars/' );
		wp_safe_redirect( add_query_arg( 'whieda_registered', $webinar_id, $back ) . '#whieda-webinar-' . $webinar_id );
		exit;
	}

	/** A guest who posts the form anyway goes to the site's sign-up. */
	public function handle_guest() {
		wp_safe_redirect( self::signup_url() );
		exit;
	}
}
