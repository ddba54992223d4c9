<?php
/**
 * [whieda_live_admin]: the speaker's console. Variables: $view (see Whieda_Admin_Console::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

if ( 'console' !== $view['state'] ) : ?>
	<div class="whieda-console whieda-console--<?php echo esc_attr( $view['state'] ); ?>">
		<?php if ( 'login' === $view['state'] ) : ?>
			<p class="whieda-notice"><?php esc_html_e( 'Управление вебинаром доступно спикерам и администраторам после входа на сайт.', 'whieda-bridge' ); ?></p>
			<p><a class="whieda-button" href="<?php echo esc_url( $view['login_url'] ); ?>"><?php esc_html_e( 'Войти', 'whieda-bridge' ); ?></a></p>
		<?php else : ?>
			<p class="whieda-notice whieda-notice--refused" role="alert"><?php esc_html_e( 'У вас нет прав управлять вебинарами. Эта страница — для спикеров и администраторов.', 'whieda-bridge' ); ?></p>
		<?php endif; ?>
	</div>
	<?php
	return;
endif;

$action  = admin_url( 'admin-post.php' );
$webinar = $view['webinar'];
$form    = function ( $command, $label, $class, $webinar_id, $extra = '' ) use ( $action ) {
	?>
	<form method="post" action="<?php echo esc_url( $action ); ?>" class="whieda-console__command">
		<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Admin_Console::ACTION ); ?>">
		<input type="hidden" name="command" value="<?php echo esc_attr( $command ); ?>">
		<input type="hidden" name="webinar_id" value="<?php echo esc_attr( (string) $webinar_id ); ?>">
		<?php wp_nonce_field( Whieda_Admin_Console::ACTION . '_' . $webinar_id ); ?>
		<button type="submit" class="<?php echo esc_attr( $class ); ?>" data-command="<?php echo esc_attr( $command ); ?>" <?php echo $extra; // phpcs:ignore WordPress.Security.EscapeOutput -- literal attributes. ?>><?php echo esc_html( $label ); ?></button>
	</form>
	<?php
};
$done_text = array(
	'save'     => __( 'Изменения сохранены.', 'whieda-bridge' ),
	'create'   => __( 'Вебинар создан. Заполните его поля и сохраните.', 'whieda-bridge' ),
	'start'    => __( 'Команда «начать эфир» отправлена.', 'whieda-bridge' ),
	'stop'     => __( 'Команда «завершить эфир» отправлена.', 'whieda-bridge' ),
	'cta_show' => __( 'Команда «показать кнопку» отправлена.', 'whieda-bridge' ),
	'cta_hide' => __( 'Команда «скрыть кнопку» отправлена.', 'whieda-bridge' ),
);
?>
<div class="whieda-console">
	<h2 class="whieda-console__title"><?php esc_html_e( 'Управление вебинаром', 'whieda-bridge' ); ?></h2>
	<?php if ( isset( $done_text[ $view['done'] ] ) ) : ?>
		<p class="whieda-notice whieda-notice--done" role="status"><?php echo esc_html( $done_text[ $view['done'] ] ); ?></p>
	<?php endif; ?>

	<div class="whieda-console__pick">
		<?php if ( $view['list'] ) : ?>
			<form method="get" class="whieda-console__select">
				<label for="whieda-console-webinar"><?php esc_html_e( 'Вебинар', 'whieda-bridge' ); ?></label>
				<select id="whieda-console-webinar" name="webinar">
					<?php foreach ( $view['list'] as $item ) : ?>
						<option value="<?php echo esc_attr( (string) $item->ID ); ?>" <?php selected( $webinar ? $webinar['id'] : 0, $item->ID ); ?>><?php echo esc_html( get_the_title( $item ) . ' (№' . $item->ID . ')' ); ?></option>
					<?php endforeach; ?>
				</select>
				<button type="submit" class="whieda-button whieda-button--secondary"><?php esc_html_e( 'Открыть', 'whieda-bridge' ); ?></button>
			</form>
		<?php endif; ?>
		<?php $form( 'create', __( 'Новый вебинар', 'whieda-bridge' ), 'whieda-button whieda-button--secondary', 0 ); ?>
	</div>

	<?php if ( ! $webinar ) : ?>
		<p class="whieda-empty"><?php esc_html_e( 'Вебинаров пока нет. Создайте первый.', 'whieda-bridge' ); ?></p>
	<?php else : ?>
		<?php $room = $view['room']; ?>
		<section class="whieda-console__live" data-whieda-console data-status="<?php echo esc_attr( $room['status'] ); ?>"
			data-state-url="<?php echo esc_url( $view['stateUrl'] ); ?>" data-fallback-url="<?php echo esc_url( $view['fallback'] ); ?>"
			aria-labelledby="whieda-console-live">
			<h3 id="whieda-console-live"><?php echo esc_html( $webinar['title'] ); ?></h3>
			<p class="whieda-console__state" role="status" aria-live="polite">
				<?php esc_html_e( 'Сейчас:', 'whieda-bridge' ); ?>
				<strong data-show-when="scheduled"<?php echo 'scheduled' === $room['status'] ? '' : ' hidden'; ?>><?php esc_html_e( 'эфир не начат', 'whieda-bridge' ); ?></strong>
				<strong data-show-when="live"<?php echo 'live' === $room['status'] ? '' : ' hidden'; ?>><span class="whieda-dot" aria-hidden="true"></span><?php esc_html_e( 'идёт эфир', 'whieda-bridge' ); ?></strong>
				<strong data-show-when="ended"<?php echo 'ended' === $room['status'] ? '' : ' hidden'; ?>><?php esc_html_e( 'эфир завершён', 'whieda-bridge' ); ?></strong>
				<span class="whieda-console__cta-state">
					<span data-cta-when="1"<?php echo $room['cta_visible'] ? '' : ' hidden'; ?>><?php esc_html_e( 'кнопка действия показана участникам', 'whieda-bridge' ); ?></span>
					<span data-cta-when="0"<?php echo $room['cta_visible'] ? ' hidden' : ''; ?>><?php esc_html_e( 'кнопка действия скрыта', 'whieda-bridge' ); ?></span>
				</span>
			</p>
			<div class="whieda-console__commands">
				<?php
				$form( 'start', __( 'Начать эфир', 'whieda-bridge' ), 'whieda-button', $webinar['id'] );
				$form( 'stop', __( 'Завершить эфир', 'whieda-bridge' ), 'whieda-button whieda-button--danger', $webinar['id'] );
				$form( 'cta_show', __( 'Показать кнопку', 'whieda-bridge' ), 'whieda-button whieda-button--secondary', $webinar['id'] );
				$form( 'cta_hide', __( 'Скрыть кнопку', 'whieda-bridge' ), 'whieda-button whieda-button--secondary', $webinar['id'] );
				?>
			</div>
		</section>

		<form method="post" action="<?php echo esc_url( $action ); ?>" class="whieda-console__fields">
			<h3><?php esc_html_e( 'Поля вебинара', 'whieda-bridge' ); ?></h3>
			<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Admin_Console::ACTION ); ?>">
			<input type="hidden" name="command" value="save">
			<input type="hidden" name="webinar_id" value="<?php echo esc_attr( (string) $webinar['id'] ); ?>">
			<?php wp_nonce_field( Whieda_Admin_Console::ACTION . '_' . $webinar['id'] ); ?>
			<p><label for="whieda-f-title"><?php esc_html_e( 'Название', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-title" name="title" type="text" required value="<?php echo esc_attr( $webinar['title'] ); ?>"></p>
			<p><label for="whieda-f-starts"><?php esc_html_e( 'Дата и время начала', 'whieda-bridge' ); ?>
				<span class="whieda-hint"><?php echo esc_html( sprintf( /* translators: %s: the site's timezone. */ __( 'часовой пояс сайта: %s', 'whieda-bridge' ), wp_timezone_string() ) ); ?></span></label>
				<input id="whieda-f-starts" name="starts_at" type="datetime-local" value="<?php echo esc_attr( $webinar['starts_at'] ? wp_date( 'Y-m-d\TH:i', $webinar['starts_at'] ) : '' ); ?>"></p>
			<p><label for="whieda-f-poster"><?php esc_html_e( 'Постер (адрес картинки)', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-poster" name="poster" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['poster'] ); ?>"></p>
			<p><label for="whieda-f-stream"><?php esc_html_e( 'Тип трансляции', 'whieda-bridge' ); ?></label>
				<select id="whieda-f-stream" name="stream_type" aria-describedby="whieda-f-stream-hint">
					<option value="obs" <?php selected( $webinar['stream_type'], 'obs' ); ?>><?php esc_html_e( 'OBS — чат на сайте', 'whieda-bridge' ); ?></option>
					<option value="zoom" <?php selected( $webinar['stream_type'], 'zoom' ); ?>><?php esc_html_e( 'Zoom — чат в Zoom', 'whieda-bridge' ); ?></option>
					<option value="telegram" <?php selected( $webinar['stream_type'], 'telegram' ); ?>><?php esc_html_e( 'Telegram — чат в группе Telegram', 'whieda-bridge' ); ?></option>
				</select>
				<span id="whieda-f-stream-hint" class="whieda-hint"><?php esc_html_e( 'Для Zoom и Telegram чат на сайте не показывается: у вебинара один чат.', 'whieda-bridge' ); ?></span></p>
			<p><label for="whieda-f-player"><?php esc_html_e( 'Плеер (iframe)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-player" name="player_embed" rows="3"><?php echo esc_textarea( $webinar['player_embed'] ); ?></textarea></p>
			<p><label for="whieda-f-chat"><?php esc_html_e( 'Чат на сайте (iframe, только для OBS)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-chat" name="chat_embed" rows="3"><?php echo esc_textarea( $webinar['chat_embed'] ); ?></textarea></p>
			<p><label for="whieda-f-external"><?php esc_html_e( 'Ссылка на Zoom или группу Telegram', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-external" name="external_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['external_url'] ); ?>"></p>
			<p><label for="whieda-f-presentation"><?php esc_html_e( 'Презентация (iframe)', 'whieda-bridge' ); ?></label>
				<textarea id="whieda-f-presentation" name="presentation" rows="3"><?php echo esc_textarea( $webinar['presentation'] ); ?></textarea></p>
			<p><label for="whieda-f-cta-label"><?php esc_html_e( 'Текст кнопки действия', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-cta-label" name="cta_label" type="text" value="<?php echo esc_attr( $webinar['cta_label'] ); ?>"></p>
			<p><label for="whieda-f-cta-url"><?php esc_html_e( 'Ссылка кнопки действия', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-cta-url" name="cta_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['cta_url'] ); ?>"></p>
			<p><label for="whieda-f-recording"><?php esc_html_e( 'Ссылка на запись (после эфира)', 'whieda-bridge' ); ?></label>
				<input id="whieda-f-recording" name="recording_url" type="text" inputmode="url" value="<?php echo esc_attr( $webinar['recording_url'] ); ?>"></p>
			<p><button type="submit" class="whieda-button"><?php esc_html_e( 'Сохранить', 'whieda-bridge' ); ?></button></p>
		</form>
	<?php endif; ?>
</div>
