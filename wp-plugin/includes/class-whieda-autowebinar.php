<?php
/**
 * [whieda_autowebinar webinar="ID"]: the auto-webinar player.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Renders the recording's player: an HTML5 video without a seek bar, started where the
 * live effect puts the viewer, with heartbeats, the CTA at its moment and a «Запись»
 * label on every screen (SPEC §6: never passed off as a live broadcast). Video URL,
 * duration, CTA and live mode come from the shortcode's attributes or, when absent, from
 * the webinar_event's meta (META). The sidecar does the rest, through the viewer token.
 */
class Whieda_Autowebinar {

	const SHORTCODE = 'whieda_autowebinar';
	const HANDLE    = 'whieda-autowebinar';

	/** The webinar_event meta each attribute falls back to. */
	const META = array(
		'video'     => 'autowebinar_video_url',
		'poster'    => 'autowebinar_poster_url',
		'duration'  => 'autowebinar_duration_sec',
		'cta_at'    => 'autowebinar_cta_at_sec',
		'cta_url'   => 'autowebinar_cta_url',
		'cta_label' => 'autowebinar_cta_label',
		'mode'      => 'autowebinar_mode',
		'schedule'  => 'autowebinar_schedule',
	);

	/** A schedule the sidecar reads: "every N" (minutes from local midnight) or "HH:MM, HH:MM" (local times). */
	const SCHEDULE = '/^(every\s+[1-9][0-9]{0,3}|([01]?[0-9]|2[0-3]):[0-5][0-9](\s*,\s*([01]?[0-9]|2[0-3]):[0-5][0-9])*)$/i';

	/**
	 * Seconds between heartbeats, by default and at the extremes. The position is needed only to
	 * resume after a crash (a page left normally sends it on `pagehide`), and each progress
	 * milestone is sent as it is reached: 30 s is 2 writes a viewer-minute.
	 */
	const HEARTBEAT = array( 30, 2, 60 );

	/** @var Whieda_Config */
	private $config;

	public function __construct( Whieda_Config $config ) {
		$this->config = $config;
	}

	public function register_assets() {
		if ( wp_script_is( self::HANDLE, 'registered' ) ) {
			return;
		}
		wp_register_script( self::HANDLE, plugins_url( 'assets/js/autowebinar-player.js', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION, true );
		wp_register_style( self::HANDLE, plugins_url( 'assets/css/autowebinar-player.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
		wp_localize_script(
			self::HANDLE,
			'whiedaAutowebinarL10n',
			array(
				'start'     => __( 'Смотреть запись', 'whieda-bridge' ),
				'resume'    => __( 'Продолжить просмотр записи', 'whieda-bridge' ),
				'pause'     => __( 'Пауза', 'whieda-bridge' ),
				'play'      => __( 'Смотреть', 'whieda-bridge' ),
				'mute'      => __( 'Выключить звук', 'whieda-bridge' ),
				'unmute'    => __( 'Включить звук', 'whieda-bridge' ),
				'loading'   => __( 'Загружаем запись…', 'whieda-bridge' ),
				/* translators: %s: local time of the next showing of the recording. */
				'waiting'   => __( 'Следующий показ записи начнётся в %s.', 'whieda-bridge' ),
				'noShowing' => __( 'Показов записи по расписанию пока нет.', 'whieda-bridge' ),
				'ended'     => __( 'Вы досмотрели запись до конца.', 'whieda-bridge' ),
				'expired'   => __( 'Сеанс просмотра устарел. Обновите страницу, чтобы продолжить с того же места.', 'whieda-bridge' ),
				'noVideo'   => __( 'Не удалось загрузить видео записи. Попробуйте обновить страницу позже.', 'whieda-bridge' ),
				'offline'   => __( 'Нет связи с сервером: прогресс сохранится, когда связь вернётся.', 'whieda-bridge' ),
				'failed'    => __( 'Запись сейчас недоступна. Попробуйте позже.', 'whieda-bridge' ),
			)
		);
	}

	/**
	 * @param array|string $atts Shortcode attributes.
	 * @return string
	 */
	public function render( $atts ) {
		$atts = shortcode_atts(
			array(
				'webinar'   => 0,
				'video'     => '',
				'poster'    => '',
				'duration'  => '',
				'cta_at'    => '',
				'cta_url'   => '',
				'cta_label' => '',
				'mode'      => '',
				'schedule'  => '',
				'heartbeat' => self::HEARTBEAT[0],
			),
			$atts,
			self::SHORTCODE
		);
		$view = $this->settings( $atts );

		if ( ! is_user_logged_in() ) {
			$view['state']     = 'login';
			$view['login_url'] = wp_login_url( get_permalink() ? get_permalink() : home_url( '/' ) );
		} elseif ( '' !== $view['problem'] || ! $this->config->is_configured() ) {
			$view['state'] = 'unavailable';
			if ( '' === $view['problem'] ) {
				$view['problem'] = __( 'сайдкар Whieda не настроен (адрес и секрет).', 'whieda-bridge' );
			}
		} else {
			$view['state'] = 'player';
			$view['token'] = whieda_viewer_token(
				get_current_user_id(),
				$view['webinar_id'],
				array(
					'duration_sec' => $view['duration'],
					'cta_at_sec'   => $view['cta_at'],
					'mode'         => $view['mode'],
					'schedule'     => $view['schedule'],
					/**
					 * Filters the viewer's referral id, which Core owns: the player passes it through
					 * the token to the autowebinar_* emits, and nothing stores it.
					 *
					 * @param int|string|null $ref_id     Null by default.
					 * @param int             $user_id    The viewer.
					 * @param int             $webinar_id The webinar.
					 */
					'ref_id'       => apply_filters( 'whieda_viewer_ref_id', null, get_current_user_id(), $view['webinar_id'] ),
				)
			);
			$base        = $this->config->public_api_base();
			$view['api']       = '' !== $base ? $base . '/v1/viewer/' : rest_url( 'whieda/v1/viewer/' );
			$view['renew_url'] = rest_url( 'whieda/v1/viewer/token' ); // The page's own refresh of its short-lived token.
			$view['nonce']     = wp_create_nonce( 'wp_rest' );
			$this->register_assets();
			wp_enqueue_script( self::HANDLE );
			whieda_enqueue_page_assets(); // The post-webinar screens after the recording's end.
		}
		$this->register_assets();
		wp_enqueue_style( self::HANDLE );

		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/autowebinar-player.php';
		return (string) ob_get_clean();
	}

	/**
	 * The player's settings: attributes first, then the webinar_event's meta; 'problem' says what is missing.
	 *
	 * @param array $atts Shortcode attributes.
	 * @return array
	 */
	private function settings( $atts ) {
		$webinar_id = absint( $atts['webinar'] );
		$post       = $webinar_id ? get_post( $webinar_id ) : null;
		$webinar    = $post && 'webinar_event' === $post->post_type ? $post : null;
		foreach ( self::META as $field => $meta_key ) {
			if ( '' === trim( (string) $atts[ $field ] ) && $webinar ) {
				$atts[ $field ] = (string) get_post_meta( $webinar->ID, $meta_key, true );
			}
		}
		$duration = absint( $atts['duration'] );
		$has_cta  = '' !== esc_url_raw( (string) $atts['cta_url'] ) && '' !== trim( (string) $atts['cta_at'] );
		$cta_at   = $has_cta ? min( absint( $atts['cta_at'] ), $duration ) : null;
		$mode     = 'schedule' === $atts['mode'] ? 'schedule' : 'jit';
		$problem  = '';
		if ( ! $webinar_id ) {
			$problem = __( 'не указан вебинар: [whieda_autowebinar webinar="ID"].', 'whieda-bridge' );
		} elseif ( '' === esc_url_raw( (string) $atts['video'] ) ) {
			$problem = __( 'не задан адрес видео (атрибут video или мета autowebinar_video_url вебинара).', 'whieda-bridge' );
		} elseif ( $duration <= 0 || $duration > Whieda_Viewer_Token::MAX_DURATION ) {
			$problem = __( 'не задана длительность записи в секундах (атрибут duration или мета autowebinar_duration_sec).', 'whieda-bridge' );
		} elseif ( 'schedule' === $mode && ! preg_match( self::SCHEDULE, trim( (string) $atts['schedule'] ) ) ) {
			$problem = __( 'для режима schedule нужно расписание, например «every 60» или «10:00, 19:00».', 'whieda-bridge' );
		}
		return array(
			'webinar_id' => $webinar_id,
			'title'      => $webinar ? get_the_title( $webinar ) : '',
			'video'      => (string) $atts['video'],
			'poster'     => (string) $atts['poster'],
			'duration'   => $duration,
			'cta_at'     => $cta_at,
			'cta_url'    => (string) $atts['cta_url'],
			'cta_label'  => '' !== trim( (string) $atts['cta_label'] ) ? (string) $atts['cta_label'] : __( 'Перейти к следующему шагу', 'whieda-bridge' ),
			'mode'       => $mode,
			'schedule'   => (string) $atts['schedule'],
			'heartbeat'  => max( self::HEARTBEAT[1], min( self::HEARTBEAT[2], absint( $atts['heartbeat'] ) ) ),
			'problem'    => $problem,
		);
	}
}
